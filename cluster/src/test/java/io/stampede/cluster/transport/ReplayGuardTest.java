package io.stampede.cluster.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.stampede.cluster.transport.ReplayGuard.Verdict;
import org.junit.jupiter.api.Test;

class ReplayGuardTest {

    private static final long NOW = 1_790_000_000_000L;

    @Test
    void aStampOutsideTheWindowEitherWayIsStaleAndANonceSeenIsAReplay() {
        ReplayGuard guard = new ReplayGuard(30_000, 100);
        assertThat(guard.check(NOW - 30_001, 1, NOW)).isEqualTo(Verdict.STALE);
        assertThat(guard.check(NOW + 30_001, 2, NOW)).isEqualTo(Verdict.STALE);
        assertThat(guard.check(NOW - 30_000, 3, NOW)).isEqualTo(Verdict.FRESH);
        assertThat(guard.check(NOW + 30_000, 4, NOW)).isEqualTo(Verdict.FRESH);
        assertThat(guard.check(NOW, 5, NOW)).isEqualTo(Verdict.FRESH);
        assertThat(guard.check(NOW, 5, NOW + 1)).isEqualTo(Verdict.REPLAYED);
        // A replay carries its stamp (it is signed): once out of the window it is stale, before that a replay.
        assertThat(guard.check(NOW + 30_000, 4, NOW + 5)).isEqualTo(Verdict.REPLAYED);
        assertThat(guard.check(NOW - 30_000, 3, NOW + 5)).isEqualTo(Verdict.STALE);
    }

    @Test
    void nonceOutOfTheWindowAreForgottenAndTheirReplaysAreStale() {
        ReplayGuard guard = new ReplayGuard(30_000, 100);
        for (int i = 0; i < 50; i++) {
            assertThat(guard.check(NOW + i, i, NOW + i)).isEqualTo(Verdict.FRESH);
        }
        assertThat(guard.check(NOW + 40_000, 1_000, NOW + 40_000)).isEqualTo(Verdict.FRESH);
        assertThat(guard.remembered()).isEqualTo(1);
        assertThat(guard.check(NOW + 49, 49, NOW + 40_000)).isEqualTo(Verdict.STALE);
    }

    @Test
    void whenFullTheOldestIsForgottenAndNothingStampedAtOrBeforeItIsTakenAgain() {
        ReplayGuard guard = new ReplayGuard(30_000, 3);
        for (int i = 0; i < 3; i++) {
            assertThat(guard.check(NOW + i * 10, i, NOW + 30)).isEqualTo(Verdict.FRESH);
        }
        // Room for the fourth: nonce 0 (stamped NOW) is forgotten, and from now on NOW is too old.
        assertThat(guard.check(NOW + 30, 3, NOW + 30)).isEqualTo(Verdict.FRESH);
        assertThat(guard.remembered()).isEqualTo(3);
        assertThat(guard.check(NOW, 0, NOW + 30)).as("the forgotten nonce replayed").isEqualTo(Verdict.STALE);
        assertThat(guard.check(NOW + 10, 1, NOW + 30)).isEqualTo(Verdict.REPLAYED);
        assertThat(guard.check(NOW + 25, 9, NOW + 30)).isEqualTo(Verdict.FRESH);
    }
}
