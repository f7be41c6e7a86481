package io.stampede.cluster.overload;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.stampede.model.load.Backpressure;

class BackpressureGaugeTest {

    private final BackpressureGauge gauge = BackpressureGauge.DEFAULT;

    /** AD-23: <0.70 NONE, <0.85 THROTTLE, <0.95 BATCH, else REJECT; full is 1,000 records or 10 s. */
    @ParameterizedTest(name = "{0} records, {1} ms behind → {2}")
    @CsvSource({
        "0, 0, NONE", "699, 0, NONE", "700, 0, THROTTLE", "849, 0, THROTTLE", "850, 0, BATCH",
        "950, 0, REJECT", "5000, 0, REJECT", "0, 6999, NONE", "0, 7000, THROTTLE", "0, 8500, BATCH",
        "0, 9500, REJECT", "100, 8600, BATCH", "-5, -10, NONE",
    })
    void theLevelFollowsTheFill(long records, long millis, Backpressure level) {
        assertThat(gauge.next(BackpressureGauge.initial(), records, Duration.ofMillis(millis), 0).level())
                .isEqualTo(level);
    }

    @Test
    void risesAtOnceFallsOnlyAfterTheHold() {
        BackpressureGauge.Reading reading = gauge.next(BackpressureGauge.initial(), 0, Duration.ofSeconds(12), 1_000);
        assertThat(reading.level()).isEqualTo(Backpressure.REJECT);
        reading = gauge.next(reading, 0, Duration.ofMillis(50), 2_000);
        assertThat(reading.level()).as("held").isEqualTo(Backpressure.REJECT);
        reading = gauge.idle(reading, 10_999);
        assertThat(reading.level()).as("still held").isEqualTo(Backpressure.REJECT);
        reading = gauge.next(reading, 0, Duration.ofMillis(7_500), 11_000);
        assertThat(reading.level()).as("falls to what is called for now").isEqualTo(Backpressure.THROTTLE);
        reading = gauge.next(reading, 0, Duration.ofMillis(9_000), 11_500);
        assertThat(reading.level()).as("rises at once").isEqualTo(Backpressure.BATCH);
        reading = gauge.idle(reading, 21_500);
        assertThat(reading.level()).isEqualTo(Backpressure.NONE);
    }

    @Test
    void workersMergeWindowsOfOneTwoFiveAndTenSeconds() {
        assertThat(Backpressure.NONE.window()).isEqualTo(Duration.ofSeconds(1));
        assertThat(Backpressure.THROTTLE.window()).isEqualTo(Duration.ofSeconds(2));
        assertThat(Backpressure.BATCH.window()).isEqualTo(Duration.ofSeconds(5));
        assertThat(Backpressure.REJECT.window()).isEqualTo(Duration.ofSeconds(10));
    }
}
