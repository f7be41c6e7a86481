package io.stampede.model.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BackoffTest {

    /** AD-21: min(30 s, 0.5 s · 2^n). */
    @ParameterizedTest(name = "retry {0}: up to {1} ms")
    @CsvSource({ "0, 500", "1, 1000", "2, 2000", "5, 16000", "6, 30000", "40, 30000", "200, 30000" })
    void theCeilingDoublesUpToTheCap(int n, long millis) {
        assertThat(Backoff.DEFAULT.ceilingMillis(n)).isEqualTo(millis);
    }

    @Test
    void fullJitterSpreadsOverTheWholeRangeAndNeverPastIt() {
        SplittableRandom random = new SplittableRandom(7);
        long least = Long.MAX_VALUE;
        long most = 0;
        for (int i = 0; i < 10_000; i++) {
            long millis = Backoff.DEFAULT.delay(2, Duration.ZERO, random).toMillis();
            least = Math.min(least, millis);
            most = Math.max(most, millis);
        }
        assertThat(least).isLessThan(100);
        assertThat(most).isBetween(1_900L, 2_000L);
    }

    @Test
    void neverWaitsLessThanTheServerAsked() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 1_000; i++) {
            assertThat(Backoff.DEFAULT.delay(0, Duration.ofSeconds(2), random)).isEqualTo(Duration.ofSeconds(2));
        }
    }

    @Test
    void allowsItsRetriesAndNoMore() {
        assertThat(Backoff.DEFAULT.allows(0)).isTrue();
        assertThat(Backoff.DEFAULT.allows(2)).isTrue();
        assertThat(Backoff.DEFAULT.allows(3)).isFalse();
    }
}
