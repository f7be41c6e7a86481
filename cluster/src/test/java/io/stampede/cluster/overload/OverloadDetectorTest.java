package io.stampede.cluster.overload;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.stampede.model.load.LoadState;

class OverloadDetectorTest {

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource({
        "-1, HEALTHY", "0, HEALTHY", "0.69, HEALTHY", "0.70, BUSY", "0.84, BUSY", "0.85, STRESSED",
        "0.949, STRESSED", "0.95, OVERLOADED", "1.0, OVERLOADED", "NaN, HEALTHY",
    })
    void resourceLimitsAreTheReferenceOnes(double fraction, LoadState expected) {
        OverloadDetector cpu = new OverloadDetector();
        cpu.resources(fraction, Double.NaN);
        assertThat(cpu.state()).isEqualTo(expected);
        OverloadDetector memory = new OverloadDetector();
        memory.resources(Double.NaN, fraction);
        assertThat(memory.state()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "steady {0} ms → {1}")
    @CsvSource({ "5, HEALTHY", "199, HEALTHY", "200, BUSY", "499, BUSY", "500, STRESSED", "2000, OVERLOADED" })
    void steadyLatencyIsJudgedByItsAbsoluteLimits(double millis, LoadState expected) {
        OverloadDetector detector = new OverloadDetector();
        for (int i = 0; i < 30; i++) {
            detector.latency(millis);
        }
        OverloadDetector.Signals signals = detector.signals();
        assertThat(signals.delta()).isEqualTo(LoadState.HEALTHY);
        assertThat(signals.latency()).isEqualTo(expected);
        assertThat(signals.state()).isEqualTo(expected);
    }

    @Test
    void judgesNothingBeforeThreeSamples() {
        OverloadDetector detector = new OverloadDetector();
        detector.latency(5_000);
        detector.latency(5_000);
        assertThat(detector.state()).isEqualTo(LoadState.HEALTHY);
        detector.latency(5_000);
        assertThat(detector.signals().latency()).isEqualTo(LoadState.OVERLOADED);
    }

    /** From a 50 ms baseline, a jump: the median of the last 10 samples against the baseline. */
    @ParameterizedTest(name = "50 ms then {0} ms ×{1} → delta {2}")
    @CsvSource({
        "60, 2, HEALTHY",     // median 50: +0
        "300, 4, HEALTHY",    // a burst of 4 slow seconds in 10: median 50, +0
        "70, 6, BUSY",        // median 70: +0.4
        "100, 5, STRESSED",   // median 75: +0.5
        "80, 6, STRESSED",    // median 80: +0.6
        "100, 6, OVERLOADED", // median 100: +1.0
    })
    void aRiseAboveTheBaselineIsJudgedByItsDelta(double millis, int times, LoadState expected) {
        OverloadDetector detector = new OverloadDetector();
        for (int i = 0; i < 40; i++) {
            detector.latency(50);
        }
        for (int i = 0; i < times; i++) {
            detector.latency(millis);
        }
        OverloadDetector.Signals signals = detector.signals();
        assertThat(signals.delta()).as("%s", signals).isEqualTo(expected);
    }

    @Test
    void oneSlowSecondDoesNotMakeANodeBusy() {
        OverloadDetector detector = new OverloadDetector();
        for (int i = 0; i < 40; i++) {
            detector.latency(2);
        }
        detector.latency(230);
        assertThat(detector.state()).isEqualTo(LoadState.HEALTHY);
    }

    @Test
    void aTinyBaselineIsNotJudgedAsIfItWereLarge() {
        OverloadDetector detector = new OverloadDetector();
        for (int i = 0; i < 40; i++) {
            detector.latency(0.1);
        }
        for (int i = 0; i < 10; i++) {
            detector.latency(0.4);
        }
        // Four times slower, but by 0.3 ms against the 10 ms floor: healthy.
        assertThat(detector.signals().deltaRatio()).isLessThan(0.05);
        assertThat(detector.state()).isEqualTo(LoadState.HEALTHY);
    }

    @Test
    void aSteadyClimbHasARisingTrendAndASteadyLevelNone() {
        OverloadDetector climbing = new OverloadDetector();
        double millis = 20;
        for (int i = 0; i < 30; i++) {
            millis *= 1.25;
            climbing.latency(millis);
        }
        assertThat(climbing.signals().trend()).isGreaterThan(0.1);
        assertThat(climbing.signals().delta()).isEqualTo(LoadState.OVERLOADED);
        OverloadDetector steady = new OverloadDetector();
        for (int i = 0; i < 30; i++) {
            steady.latency(120);
        }
        assertThat(steady.signals().trend()).isZero();
    }

    @Test
    void theStateIsTheWorstSignalAndRecoversWhenTheCauseGoes() {
        OverloadDetector detector = new OverloadDetector();
        for (int i = 0; i < 20; i++) {
            detector.latency(250);
        }
        detector.resources(0.9, 0.2);
        assertThat(detector.signals().latency()).isEqualTo(LoadState.BUSY);
        assertThat(detector.state()).isEqualTo(LoadState.STRESSED);
        detector.resources(0.1, 0.2);
        for (int i = 0; i < 120; i++) {
            detector.latency(5);
        }
        assertThat(detector.state()).isEqualTo(LoadState.HEALTHY);
    }

    @Test
    void ignoresSamplesThatAreNotDurations() {
        OverloadDetector detector = new OverloadDetector();
        detector.latency(-3);
        detector.latency(Double.NaN);
        detector.latency(Double.POSITIVE_INFINITY);
        assertThat(detector.signals().recentMillis()).isZero();
    }
}
