package io.stampede.cluster.leadership;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Records held until a majority of their group has stated a term as high as their fence. */
class FenceCheckTest {

    @Test
    void aRecordWaitsForAMajorityOfItsOwnGroupAndLeavesInArrivalOrder() {
        FenceCheck<String> check = new FenceCheck<>();
        assertThat(check.offer("dc1", 1L << 40, "before any statement", 0)).as("nothing is checked yet")
                .isEqualTo(FenceCheck.Offer.APPLY);

        assertThat(check.stated("dc1", "manager-dc1-1", 3, 3, 0)).isEmpty();
        assertThat(check.stated("dc1", "manager-dc1-2", 3, 3, 0)).isEmpty();
        assertThat(check.verified("dc1")).isEqualTo(3);
        assertThat(check.offer("dc1", 3, "under the verified term", 10)).isEqualTo(FenceCheck.Offer.APPLY);
        assertThat(check.offer("dc1", 4, "first of the new leader", 20)).isEqualTo(FenceCheck.Offer.HELD);
        assertThat(check.offer("dc1", 4, "second of the new leader", 30)).isEqualTo(FenceCheck.Offer.HELD);
        assertThat(check.offer("dc2", 9, "another datacenter, not stated yet", 40)).isEqualTo(FenceCheck.Offer.APPLY);
        assertThat(check.waiting()).isEqualTo(2);

        assertThat(check.stated("dc2", "manager-dc2-1", 4, 1, 0)).as("another group's statement releases nothing here")
                .isEmpty();
        assertThat(check.stated("dc1", "manager-dc1-1", 4, 3, 0)).as("one of three").isEmpty();
        assertThat(check.stated("dc1", "manager-dc1-3", 4, 3, 0)).containsExactly("first of the new leader",
                "second of the new leader");
        assertThat(check.waiting()).isZero();
        assertThat(check.offer("dc2", 5, "above dc2's term", 50)).isEqualTo(FenceCheck.Offer.HELD);
    }

    @Test
    void aRecordNoMajorityStatesIsRefusedAfterItsWaitAndTheQueueIsBounded() {
        FenceCheck<Integer> check = new FenceCheck<>();
        check.stated("dc1", "manager-dc1-1", 2, 1, 0);
        assertThat(check.offer("dc1", 1L << 40, 0, 1_000)).isEqualTo(FenceCheck.Offer.HELD);
        // Its manager goes on stating its term, every 5 s.
        check.stated("dc1", "manager-dc1-1", 2, 1, 10_000);
        check.stated("dc1", "manager-dc1-1", 2, 1, 20_000);
        assertThat(check.expire(1_000 + FenceCheck.WAIT_MILLIS - 1).refuse()).isEmpty();
        FenceCheck.Expiry<Integer> expiry = check.expire(1_000 + FenceCheck.WAIT_MILLIS);
        assertThat(expiry.apply()).isEmpty();
        assertThat(expiry.refuse()).singleElement()
                .satisfies(held -> {
                    assertThat(held.fence()).isEqualTo(1L << 40);
                    assertThat(held.group()).isEqualTo("dc1");
                });

        for (int i = 0; i < FenceCheck.MAX_WAITING; i++) {
            assertThat(check.offer("dc1", 3, i, 2_000)).isEqualTo(FenceCheck.Offer.HELD);
        }
        assertThat(check.offer("dc1", 3, -1, 2_000)).isEqualTo(FenceCheck.Offer.FULL);
        assertThat(check.offer("dc1", 2, -2, 2_000)).as("a verified fence never waits").isEqualTo(FenceCheck.Offer.APPLY);
        assertThat(check.stated("dc1", "manager-dc1-1", 3, 1, 0)).hasSize(FenceCheck.MAX_WAITING);
    }

    @Test
    void aGroupThatStopsStatingIsNotCheckedUntilItStatesAgainAndItsWaitingRecordsAreApplied() {
        FenceCheck<String> check = new FenceCheck<>();
        check.stated("dc1", "manager-dc1-1", 5, 1, 0);
        assertThat(check.offer("dc1", 6, "the next leader's", 10_000)).isEqualTo(FenceCheck.Offer.HELD);
        FenceCheck.Expiry<String> before = check.expire(FenceCheck.SILENT_MILLIS - 1);
        assertThat(before.apply()).isEmpty();
        assertThat(before.refuse()).isEmpty();

        // Three statements missed: its managers stopped stating here (a reader of an older protocol joined).
        FenceCheck.Expiry<String> silent = check.expire(FenceCheck.SILENT_MILLIS);
        assertThat(silent.apply()).containsExactly("the next leader's");
        assertThat(silent.refuse()).isEmpty();
        assertThat(check.offer("dc1", 1L << 40, "anything", FenceCheck.SILENT_MILLIS)).isEqualTo(FenceCheck.Offer.APPLY);

        check.stated("dc1", "manager-dc1-1", 6, 1, 20_000);
        assertThat(check.offer("dc1", 7, "checked again", 20_000)).isEqualTo(FenceCheck.Offer.HELD);
    }

    @Test
    void whenEveryMemberStatesToEveryReaderASilentGroupStaysChecked() {
        FenceCheck<String> check = new FenceCheck<>(true);
        check.stated("dc1", "manager-dc1-1", 5, 1, 0);
        assertThat(check.offer("dc1", 6, "an unstated fence", 10_000)).isEqualTo(FenceCheck.Offer.HELD);
        FenceCheck.Expiry<String> silent = check.expire(FenceCheck.SILENT_MILLIS);
        assertThat(silent.apply()).as("not applied for the silence").isEmpty();
        assertThat(silent.refuse()).isEmpty();
        assertThat(check.offer("dc1", 1L << 40, "a forged fence", FenceCheck.SILENT_MILLIS + 1_000))
                .isEqualTo(FenceCheck.Offer.HELD);

        FenceCheck.Expiry<String> late = check.expire(10_000 + FenceCheck.WAIT_MILLIS);
        assertThat(late.refuse()).extracting(FenceCheck.Held::record).containsExactly("an unstated fence");
        assertThat(check.stated("dc1", "manager-dc1-1", 6, 1, 40_000)).as("the forged record is never released").isEmpty();
    }

    @Test
    void groupsBeyondTheBoundAreNotHeard() {
        FenceCheck<String> check = new FenceCheck<>();
        for (int i = 0; i < FenceCheck.MAX_GROUPS; i++) {
            check.stated("dc" + i, "manager", 1, 1, 0);
        }
        check.stated("one-too-many", "manager", 1, 1, 0);
        assertThat(check.verified("one-too-many")).isEqualTo(-1);
        assertThat(check.verified("dc0")).isEqualTo(1);
    }
}
