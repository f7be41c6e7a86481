package io.stampede.cluster.membership;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class SuspicionTest {

    /** 8 s − 6.5 s · log(C + 1) / log(4), for a cluster where 3 or more others can confirm. */
    @ParameterizedTest(name = "{0} confirmations, {1} others: {2} ms")
    @CsvSource({
        "0, 10, 8000",
        "1, 10, 4750",
        "2, 10, 2849",
        "3, 10, 1500",
        "9, 10, 1500",
        "0, 1, 8000",
        "1, 1, 1500",
        "0, 0, 1500",
    })
    void shrinksWithConfirmationsTowardsTheFloor(int confirmations, int others, long millis) {
        assertThat(Suspicion.timeout(confirmations, others)).isEqualTo(Duration.ofMillis(millis));
    }

    @Test
    void neverLeavesItsBounds() {
        for (int others = 0; others < 60; others++) {
            for (int confirmations = 0; confirmations < 60; confirmations++) {
                Duration timeout = Suspicion.timeout(confirmations, others);
                assertThat(timeout).isBetween(Suspicion.FLOOR, Suspicion.CEILING);
                if (confirmations > 0) {
                    assertThat(timeout).isLessThanOrEqualTo(Suspicion.timeout(confirmations - 1, others));
                }
            }
        }
    }

    @Test
    void localHealthRisesWithTroubleFallsWithSuccessAndStaysInItsRange() {
        LocalHealth health = new LocalHealth();
        assertThat(health.multiplier()).isEqualTo(1);
        health.missedAck();
        health.missedNack();
        health.refuted();
        assertThat(health.score()).isEqualTo(3);
        for (int i = 0; i < 20; i++) {
            health.missedAck();
        }
        assertThat(health.score()).isEqualTo(LocalHealth.MAX);
        assertThat(health.multiplier()).isEqualTo(9);
        for (int i = 0; i < 20; i++) {
            health.probeSucceeded();
        }
        assertThat(health.score()).isZero();
    }
}
