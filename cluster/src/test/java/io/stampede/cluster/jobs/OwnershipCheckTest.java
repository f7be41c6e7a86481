package io.stampede.cluster.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.stampede.model.JobId;

/** The gates' records about a job held until a majority of its gates has stated their generation. */
class OwnershipCheckTest {

    private static final JobId JOB = JobId.of("job-1");
    private static final JobId OTHER = JobId.of("job-2");

    @Test
    void theFirstGenerationNeedsNoStatementAndALaterOneAMajorityOfTheGroupTheSubmissionNames() {
        OwnershipCheck<String> check = new OwnershipCheck<>(100);
        assertThat(check.submitted(JOB, 3)).isEmpty();
        assertThat(check.offer(JOB, 1, "the owner's cancel", 0)).isEqualTo(OwnershipCheck.Offer.APPLY);
        assertThat(check.offer(JOB, 2, "the new owner's submission", 10)).isEqualTo(OwnershipCheck.Offer.HELD);
        assertThat(check.offer(JOB, 2, "the new owner's release", 20)).isEqualTo(OwnershipCheck.Offer.HELD);
        assertThat(check.offer(JOB, 1, "the old owner's, still", 30)).as("a lower generation passes them")
                .isEqualTo(OwnershipCheck.Offer.APPLY);

        assertThat(check.stated(JOB, "gate-2", 2, 3)).as("the new owner's own statement: one of three").isEmpty();
        assertThat(check.stated(OTHER, "gate-3", 2, 3)).as("another job's statement releases nothing here").isEmpty();
        assertThat(check.stated(JOB, "gate-3", 2, 3)).containsExactly("the new owner's submission",
                "the new owner's release");
        assertThat(check.verified(JOB)).isEqualTo(2);
        assertThat(check.offer(JOB, 2, "after", 40)).isEqualTo(OwnershipCheck.Offer.APPLY);
        assertThat(check.offer(JOB, 3, "the next move, not stated yet", 40)).isEqualTo(OwnershipCheck.Offer.HELD);
        assertThat(check.waiting()).isEqualTo(1);
    }

    @Test
    void oneGateTakenOverCannotStateAGenerationThroughNorShrinkTheGroup() {
        OwnershipCheck<String> check = new OwnershipCheck<>(100);
        check.submitted(JOB, 3);
        long inflated = 1L << 40;
        assertThat(check.stated(JOB, "gate-9", inflated, 1)).as("a group of one, stated by the one").isEmpty();
        assertThat(check.offer(JOB, inflated, "a cancel under 2^40", 0)).isEqualTo(OwnershipCheck.Offer.HELD);
        assertThat(check.majority(JOB)).isEqualTo(2);
        assertThat(check.submitted(JOB, 1)).as("nor a later submission naming one").isEmpty();
        assertThat(check.majority(JOB)).isEqualTo(2);

        assertThat(check.stated(JOB, "gate-1", 2, 3)).as("the real move").isEmpty();
        assertThat(check.verified(JOB)).as("the second highest of two").isEqualTo(2);
        assertThat(check.expire(OwnershipCheck.WAIT_MILLIS - 1)).isEmpty();
        assertThat(check.expire(OwnershipCheck.WAIT_MILLIS)).singleElement().satisfies(held -> {
            assertThat(held.job()).isEqualTo(JOB);
            assertThat(held.generation()).isEqualTo(inflated);
            assertThat(held.record()).isEqualTo("a cancel under 2^40");
        });
        assertThat(check.waiting()).isZero();
    }

    @Test
    void aRecordBeforeTheSubmissionWaitsForItAndAJobWhoseSubmissionNamesNoGroupIsNotChecked() {
        OwnershipCheck<String> check = new OwnershipCheck<>(100);
        assertThat(check.holds(JOB, 1)).isFalse();
        assertThat(check.offer(JOB, 5, "a cancel about a job not submitted here", 0))
                .as("the group is not known: it waits").isEqualTo(OwnershipCheck.Offer.HELD);
        assertThat(check.submitted(JOB, 0)).as("a gate of 4.5 submitted it, whose gates state nothing")
                .containsExactly("a cancel about a job not submitted here");
        assertThat(check.verified(JOB)).isEqualTo(Long.MAX_VALUE);
        assertThat(check.offer(JOB, 9, "unchecked", 0)).isEqualTo(OwnershipCheck.Offer.APPLY);
        assertThat(check.submitted(JOB, 3)).as("a later submission naming the group checks it from then on").isEmpty();
        assertThat(check.holds(JOB, 9)).isTrue();

        check.submitted(OTHER, 5);
        check.stated(OTHER, "gate-1", 4, 5);
        check.stated(OTHER, "gate-2", 4, 5);
        assertThat(check.holds(OTHER, 4)).as("two of five").isTrue();
        check.stated(OTHER, "gate-3", 3, 5);
        assertThat(check.verified(OTHER)).as("the third highest of three").isEqualTo(3);
        check.stated(OTHER, "gate-3", 4, 5);
        assertThat(check.verified(OTHER)).isEqualTo(4);
        check.stated(OTHER, "gate-3", 2, 5);
        assertThat(check.verified(OTHER)).as("a statement delivered late lowers nothing").isEqualTo(4);
    }

    @Test
    void theWaitingRecordsAndTheJobsRememberedAreBounded() {
        OwnershipCheck<Integer> check = new OwnershipCheck<>(2);
        check.submitted(JOB, 3);
        for (int i = 0; i < OwnershipCheck.MAX_WAITING; i++) {
            assertThat(check.offer(JOB, 2, i, 0)).isEqualTo(OwnershipCheck.Offer.HELD);
        }
        assertThat(check.offer(JOB, 2, -1, 0)).isEqualTo(OwnershipCheck.Offer.FULL);
        assertThat(check.offer(JOB, 1, -2, 0)).as("the first generation never waits").isEqualTo(OwnershipCheck.Offer.APPLY);

        check.submitted(OTHER, 3);
        check.submitted(JobId.of("job-3"), 3);
        assertThat(check.jobs()).as("the oldest forgotten").isEqualTo(2);
        check.forget(OTHER);
        assertThat(check.jobs()).isEqualTo(1);
        for (int gate = 0; gate < OwnershipCheck.MAX_GATES + 10; gate++) {
            check.stated(OTHER, "gate-" + gate, 2, 1_000);
        }
        assertThat(check.majority(OTHER)).as("a group read as at most %d", OwnershipCheck.MAX_GATES)
                .isEqualTo(OwnershipCheck.MAX_GATES / 2 + 1);
        assertThat(check.expire(OwnershipCheck.WAIT_MILLIS)).hasSize(OwnershipCheck.MAX_WAITING);
    }
}
