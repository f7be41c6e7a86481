package io.stampede.gate.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import io.stampede.cluster.coordinates.VivaldiConfig;

class ProbeCoordinatesTest {

    @Test
    void fifteenProbesOfEachDatacenterEstimateItsRoundTripWithinAFifth() {
        ProbeCoordinates coordinates = new ProbeCoordinates(VivaldiConfig.serf(), new SplittableRandom(7));
        Map<String, Double> rtt = Map.of("dc1", 1.0, "dc2", 41.0, "dc3", 81.0);
        SplittableRandom jitter = new SplittableRandom(3);
        long now = 0;
        for (int round = 0; round < 15; round++) {
            now += 2_000;
            for (String dc : new String[] {"dc1", "dc2", "dc3"}) {
                coordinates.measured(dc, rtt.get(dc) * (0.95 + 0.1 * jitter.nextDouble()) / 1000, now);
            }
        }
        for (String dc : rtt.keySet()) {
            System.out.printf("%s: injected %.0f ms, estimated %.1f ms, bound %.1f ms, confidence %.2f%n", dc,
                    rtt.get(dc), coordinates.rttMillis(dc), coordinates.rttUpperBoundMillis(dc),
                    coordinates.quality(dc, now));
        }
        assertThat(coordinates.rttMillis("dc2")).isCloseTo(41.0, within(41.0 * 0.2));
        assertThat(coordinates.rttMillis("dc3")).isCloseTo(81.0, within(81.0 * 0.2));
        assertThat(coordinates.samples("dc1")).isEqualTo(15);
    }
}
