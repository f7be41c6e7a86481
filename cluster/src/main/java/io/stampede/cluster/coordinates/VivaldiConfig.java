package io.stampede.cluster.coordinates;

/**
 * Vivaldi's parameters. {@link #serf()} gives Serf's, which Stampede uses.
 *
 * @param dimensions           Euclidean dimensions (8)
 * @param errorMax             the error of a new coordinate, and its ceiling (1.5)
 * @param errorFactor          how fast the error estimate follows observed error, "ce" (0.25)
 * @param centroidFactor       how far one update moves the coordinate, "cc" (0.25)
 * @param adjustmentWindow     samples averaged into the adjustment term (20)
 * @param heightMin            the smallest height, in seconds (10 µs)
 * @param latencyFilterSize    samples per peer whose median is used as its RTT (3)
 * @param gravityRho           distance (seconds) at which gravity towards the origin is felt (150)
 */
public record VivaldiConfig(int dimensions, double errorMax, double errorFactor, double centroidFactor,
        int adjustmentWindow, double heightMin, int latencyFilterSize, double gravityRho) {

    public static VivaldiConfig serf() {
        return new VivaldiConfig(8, 1.5, 0.25, 0.25, 20, 10e-6, 3, 150.0);
    }
}
