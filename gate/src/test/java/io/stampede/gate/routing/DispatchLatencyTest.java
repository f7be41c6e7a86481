package io.stampede.gate.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class DispatchLatencyTest {

    @Test
    void anExponentialAverageWithAlphaTwoTenths() {
        DispatchLatency latency = new DispatchLatency();
        latency.sample(100, 0);
        assertThat(latency.millis()).isEqualTo(100);
        latency.sample(200, 1);
        assertThat(latency.millis()).isCloseTo(120, within(1e-9));
    }

    @Test
    void confidenceGrowsWithSamplesAndFadesOverFiveMinutes() {
        DispatchLatency latency = new DispatchLatency();
        assertThat(latency.confidence(0)).isZero();
        for (int i = 0; i < 5; i++) {
            latency.sample(100, 0);
        }
        assertThat(latency.confidence(0)).isEqualTo(0.5);
        for (int i = 0; i < 10; i++) {
            latency.sample(100, 0);
        }
        assertThat(latency.confidence(0)).isEqualTo(1.0);
        assertThat(latency.confidence(150_000)).isCloseTo(0.5, within(1e-9));
        assertThat(latency.confidence(300_000)).isZero();
        assertThat(latency.confidence(900_000)).isZero();
    }

    @Test
    void addsWhatADatacenterIsSlowerToStartJobsThanTheQuickestBeyondASecondByConfidence() {
        assertThat(DispatchLatency.blend(40, 1_900, 0, 500)).as("no confidence: the bound alone").isEqualTo(40);
        assertThat(DispatchLatency.blend(40, 1_900, 1, 500)).isEqualTo(440);
        assertThat(DispatchLatency.blend(40, 1_900, 0.5, 500)).isEqualTo(240);
        assertThat(DispatchLatency.blend(40, 500, 1, 500)).as("the quickest pays nothing").isEqualTo(40);
        assertThat(DispatchLatency.blend(40, 1_400, 1, 500)).as("under a second slower: the progress period's noise")
                .isEqualTo(40);
    }
}
