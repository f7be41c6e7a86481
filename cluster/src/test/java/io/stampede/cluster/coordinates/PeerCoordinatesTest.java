package io.stampede.cluster.coordinates;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PeerCoordinatesTest {

    private final PeerCoordinates coordinates = new PeerCoordinates(VivaldiConfig.serf(), new SplittableRandom(1));

    /** A peer coordinate this far away from the origin along the first axis, with a given error. */
    private static Coordinate at(double seconds, double error) {
        double[] vector = new double[8];
        vector[0] = seconds;
        return new Coordinate(vector, error, 0, 10e-6);
    }

    @Test
    void anUnknownPeerIsAssumedAHundredMillisecondsAwayGiveOrTakeFifty() {
        assertThat(coordinates.estimatedRtt("stranger")).isEmpty();
        assertThat(coordinates.rttUpperBound("stranger")).isEqualTo(0.2, within(1e-9));
        assertThat(coordinates.quality("stranger", 0)).isZero();
    }

    @Test
    void theUpperBoundAddsTwoDeviationsOfTheCombinedErrorAndStaysWithinItsClamps() {
        coordinates.heard("near", at(0.050, 0.1), 0);
        double estimate = coordinates.estimatedRtt("near").orElseThrow();
        double sigma = Math.min(0.5, Math.max(0.001, (coordinates.coordinate().error() + 0.1) * estimate));

        assertThat(coordinates.rttUpperBound("near")).isEqualTo(Math.min(10, estimate + 2 * sigma), within(1e-9));

        coordinates.heard("far", at(30, 1.5), 0);
        assertThat(coordinates.rttUpperBound("far")).isEqualTo(10.0);
    }

    @Test
    void qualityGrowsWithSamplesAndFadesWithStaleness() {
        Coordinate peer = at(0.010, 0.1);
        coordinates.measured("peer", peer, 0.010, 0);
        double early = coordinates.quality("peer", 0);
        for (int i = 0; i < 40; i++) {
            coordinates.measured("peer", peer, 0.010, i);
        }
        double later = coordinates.quality("peer", 40);

        assertThat(later).isGreaterThan(early);
        assertThat(coordinates.quality("peer", 40 + PeerCoordinates.STALE_AFTER_MILLIS / 2)).isLessThan(later);
        assertThat(coordinates.quality("peer", 40 + PeerCoordinates.STALE_AFTER_MILLIS)).isZero();
    }

    @Test
    void stalePeersAreCleanedUpAndFreshOnesKept() {
        coordinates.heard("old", at(0.01, 0.5), 0);
        coordinates.heard("fresh", at(0.01, 0.5), PeerCoordinates.STALE_AFTER_MILLIS);

        assertThat(coordinates.cleanup(PeerCoordinates.STALE_AFTER_MILLIS + 1)).isEqualTo(1);
        assertThat(coordinates.estimatedRtt("old")).isEmpty();
        assertThat(coordinates.estimatedRtt("fresh")).isPresent();
    }

    @Test
    void aCoordinateConvergesAfterEnoughConsistentSamples() {
        assertThat(coordinates.converged()).isFalse();
        PeerCoordinates other = new PeerCoordinates(VivaldiConfig.serf(), new SplittableRandom(2));
        for (int i = 0; i < 200; i++) {
            coordinates.measured("other", other.coordinate(), 0.020, i);
            other.measured("self", coordinates.coordinate(), 0.020, i);
        }
        assertThat(coordinates.converged()).isTrue();
        assertThat(coordinates.estimatedRtt("other").orElseThrow()).isEqualTo(0.020, within(0.003));
    }
}
