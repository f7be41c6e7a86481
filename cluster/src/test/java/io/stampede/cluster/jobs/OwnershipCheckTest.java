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

        assertThat(check.stated(JOB, "gate-2", 2)).as("the new owner's own statement: one of three").isEmpty();
        assertThat(check.stated(OTHER, "gate-3", 2)).as("another job's statement releases nothing here").isEmpty();
        assertThat(check.stated(JOB, "gate-3", 2)).containsExactly("the new owner's submission",
                "the new owner's release");
        assertThat(check.verified(JOB)).isEqualTo(2);
        assertThat(check.offer(JOB, 2, "after", 40)).isEqualTo(OwnershipCheck.Offer.APPLY);
        assertThat(check.offer(JOB, 3, "the next move, not stated yet", 40)).isEqualTo(OwnershipCheck.Offer.HELD);
        assertThat(check.waiting()).isEqualTo(1);
    }

    @Test
    void oneGateTakenOverCannotStateAGenerationThroughNorResizeTheGroup() {
        OwnershipCheck<String> check = new OwnershipCheck<>(100);
        long inflated = 1L << 40;
        assertThat(check.stated(JOB, "gate-9", inflated)).as("before the submission: kept, nothing verified").isEmpty();
        assertThat(check.verified(JOB)).isEqualTo(OwnershipCheck.FIRST_GENERATION);
        assertThat(check.offer(JOB, inflated, "a cancel under 2^40", 0)).isEqualTo(OwnershipCheck.Offer.HELD);
        assertThat(check.submitted(JOB, 3)).as("one statement of three").isEmpty();
        assertThat(check.majority(JOB)).isEqualTo(2);
        assertThat(check.submitted(JOB, 1)).as("a later submission naming one changes nothing").isEmpty();
        assertThat(check.submitted(JOB, 64)).as("nor one naming more").isEmpty();
        assertThat(check.majority(JOB)).isEqualTo(2);

        assertThat(check.stated(JOB, "gate-1", 2)).as("the real move").isEmpty();
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
        assertThat(check.majority(JOB)).isZero();
        assertThat(check.submitted(JOB, 0)).as("a gate of 4.5 submitted it, whose gates state nothing")
                .containsExactly("a cancel about a job not submitted here");
        assertThat(check.verified(JOB)).isEqualTo(Long.MAX_VALUE);
        assertThat(check.offer(JOB, 9, "unchecked", 0)).isEqualTo(OwnershipCheck.Offer.APPLY);
        assertThat(check.submitted(JOB, 3)).as("only the first submission counts").isEmpty();
        assertThat(check.holds(JOB, 9)).isFalse();

        check.stated(OTHER, "gate-1", 4);
        check.stated(OTHER, "gate-2", 4);
        check.submitted(OTHER, 5);
        assertThat(check.holds(OTHER, 4)).as("two of five, stated before the submission").isTrue();
        check.stated(OTHER, "gate-3", 3);
        assertThat(check.verified(OTHER)).as("the third highest of three").isEqualTo(3);
        check.stated(OTHER, "gate-3", 4);
        assertThat(check.verified(OTHER)).isEqualTo(4);
        check.stated(OTHER, "gate-3", 2);
        assertThat(check.verified(OTHER)).as("a statement delivered late lowers nothing").isEqualTo(4);
    }

    @Test
    void theWaitingRecordsAreBoundedInAllPerJobAndBeforeSubmissions() {
        OwnershipCheck<Integer> check = new OwnershipCheck<>(1_000);
        check.submitted(JOB, 3);
        for (int i = 0; i < OwnershipCheck.MAX_WAITING_PER_JOB; i++) {
            assertThat(check.offer(JOB, 2, i, 0)).isEqualTo(OwnershipCheck.Offer.HELD);
        }
        assertThat(check.offer(JOB, 2, -1, 0)).as("per job").isEqualTo(OwnershipCheck.Offer.FULL);
        assertThat(check.offer(JOB, 1, -2, 0)).as("the first generation never waits").isEqualTo(OwnershipCheck.Offer.APPLY);
        for (int i = 0; i < OwnershipCheck.MAX_WAITING_UNSUBMITTED; i++) {
            assertThat(check.offer(JobId.of("made-up-" + i), 2, i, 0)).isEqualTo(OwnershipCheck.Offer.HELD);
        }
        assertThat(check.offer(JobId.of("made-up-x"), 2, -3, 0)).as("before submissions")
                .isEqualTo(OwnershipCheck.Offer.FULL);
        int job = 0;
        while (check.waiting() < OwnershipCheck.MAX_WAITING) {
            JobId id = JobId.of("submitted-" + job++);
            check.submitted(id, 3);
            for (int i = 0; i < OwnershipCheck.MAX_WAITING_PER_JOB && check.waiting() < OwnershipCheck.MAX_WAITING; i++) {
                assertThat(check.offer(id, 2, i, 0)).isEqualTo(OwnershipCheck.Offer.HELD);
            }
        }
        check.submitted(OTHER, 3);
        assertThat(check.offer(OTHER, 2, -4, 0)).as("in all").isEqualTo(OwnershipCheck.Offer.FULL);
        assertThat(check.expire(OwnershipCheck.WAIT_MILLIS)).hasSize(OwnershipCheck.MAX_WAITING);
        assertThat(check.offer(JOB, 2, 0, OwnershipCheck.WAIT_MILLIS)).as("room again once they expired")
                .isEqualTo(OwnershipCheck.Offer.HELD);
        assertThat(check.offer(JobId.of("made-up-y"), 2, 0, OwnershipCheck.WAIT_MILLIS))
                .isEqualTo(OwnershipCheck.Offer.HELD);
    }

    @Test
    void statementsAboutMadeUpJobsPushOutOnlyOneAnotherAndTheJobsHeldAreBounded() {
        OwnershipCheck<String> check = new OwnershipCheck<>(2);
        check.stated(JOB, "gate-1", 2);
        check.stated(JOB, "gate-2", 2);
        for (int i = 0; i < OwnershipCheck.MAX_EARLY_JOBS; i++) {
            check.stated(JobId.of("made-up-" + i), "gate-9", 2);
        }
        check.submitted(JOB, 3);
        assertThat(check.holds(JOB, 2)).as("its early statements were pushed out by made-up ones").isTrue();

        check.submitted(OTHER, 3);
        check.stated(OTHER, "gate-1", 2);
        for (int i = 0; i < OwnershipCheck.MAX_EARLY_JOBS * 2; i++) {
            check.stated(JobId.of("made-up-" + i), "gate-9", 2);
        }
        check.stated(OTHER, "gate-2", 2);
        assertThat(check.verified(OTHER)).as("a submitted job's statements are never pushed out").isEqualTo(2);
        assertThat(check.submitted(JobId.of("job-3"), 3)).isEmpty();
        assertThat(check.jobs()).as("at most the jobs its reader holds").isEqualTo(2);
        check.forget(OTHER);
        assertThat(check.jobs()).isEqualTo(1);
        for (int gate = 0; gate < OwnershipCheck.MAX_GATES + 10; gate++) {
            check.stated(JOB, "gate-" + gate, 2);
        }
        assertThat(check.majority(JOB)).as("at most %d gates heard", OwnershipCheck.MAX_GATES)
                .isEqualTo(OwnershipCheck.MAX_GATES / 2 + 1);
    }
    @Test
    void aNewOwnersSubmissionToADatacenterTheOldOneNeverReachedWaitsForTheGroupItNamesToStateIt() {
        OwnershipCheck<String> check = new OwnershipCheck<>(100);
        assertThat(check.stated(JOB, "gate-2", 2)).as("the new owner's statement, before its submission").isEmpty();
        // The manager reads the new owner's submission under generation 2 first: it names the group, and waits.
        assertThat(check.submitted(JOB, 3)).isEmpty();
        assertThat(check.hasSubmission(JOB)).isTrue();
        assertThat(check.offer(JOB, 2, "the submission", 0)).isEqualTo(OwnershipCheck.Offer.HELD);
        assertThat(check.isWaiting(JOB)).isTrue();
        assertThat(check.stated(JOB, "gate-3", 2)).containsExactly("the submission");
        assertThat(check.isWaiting(JOB)).isFalse();
    }

    @Test
    void aForgottenJobsWaitingRecordsStillLeaveTheCountsWhenTheyExpire() {
        OwnershipCheck<String> check = new OwnershipCheck<>(100);
        for (int i = 0; i < OwnershipCheck.MAX_WAITING_UNSUBMITTED; i++) {
            check.offer(JOB, 2, "before the submission " + i, 0);
        }
        check.submitted(JOB, 3);
        check.forget(JOB);
        assertThat(check.hasSubmission(JOB)).isFalse();
        assertThat(check.offer(OTHER, 2, "about another job not submitted", 0)).as("they still count")
                .isEqualTo(OwnershipCheck.Offer.FULL);
        assertThat(check.expire(OwnershipCheck.WAIT_MILLIS)).hasSize(OwnershipCheck.MAX_WAITING_UNSUBMITTED);
        assertThat(check.isWaiting(JOB)).isFalse();
        assertThat(check.offer(OTHER, 2, "about another job not submitted", OwnershipCheck.WAIT_MILLIS))
                .isEqualTo(OwnershipCheck.Offer.HELD);
        assertThat(check.waiting()).isEqualTo(1);
    }
}
