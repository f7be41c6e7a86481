package io.stampede.cluster.coordinates;

import java.util.Arrays;

/**
 * A network coordinate (Vivaldi with heights and adjustments, as in Serf): a point in Euclidean
 * space plus a height (the node's own access latency), an adjustment (a correction learnt from
 * recent error), and the node's confidence as an error estimate. Distances are seconds.
 * Immutable.
 */
public record Coordinate(double[] vector, double error, double adjustment, double height) {

    public Coordinate {
        vector = vector.clone();
    }

    /** The starting coordinate: the origin, with the maximum error. */
    public static Coordinate origin(VivaldiConfig config) {
        return new Coordinate(new double[config.dimensions()], config.errorMax(), 0, config.heightMin());
    }

    /** The estimated round-trip time to {@code other}, in seconds. */
    public double distanceTo(Coordinate other) {
        double raw = rawDistanceTo(other);
        double adjusted = raw + adjustment + other.adjustment;
        return adjusted > 0 ? adjusted : raw;
    }

    /** The distance without adjustments: Euclidean distance plus both heights. */
    double rawDistanceTo(Coordinate other) {
        return magnitude(subtract(vector, other.vector)) + height + other.height;
    }

    @Override
    public double[] vector() {
        return vector.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Coordinate that && Arrays.equals(vector, that.vector) && error == that.error
                && adjustment == that.adjustment && height == that.height;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(vector) * 31 + Double.hashCode(error);
    }

    static double[] subtract(double[] a, double[] b) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] - b[i];
        }
        return out;
    }

    static double magnitude(double[] v) {
        double sum = 0;
        for (double x : v) {
            sum += x * x;
        }
        return Math.sqrt(sum);
    }
}
