package io.stampede.cluster.coordinates;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * This node's Vivaldi coordinate, updated from measured round trips to peers (Serf's algorithm:
 * a per-peer median latency filter, error-weighted spring forces, heights, an adjustment term
 * and a weak gravity towards the origin). It never measures: callers hand it each RTT with the
 * peer's coordinate, as carried on probes and acks. Not thread-safe.
 */
public final class VivaldiClient {

    private static final double ZERO = 1e-6;

    private final VivaldiConfig config;
    private final RandomGenerator random;
    private final Map<String, Deque<Double>> latencies = new HashMap<>();
    private final double[] adjustmentSamples;
    private int adjustmentIndex;
    private Coordinate coordinate;
    private long updates;

    public VivaldiClient(VivaldiConfig config, RandomGenerator random) {
        this.config = config;
        this.random = random;
        this.coordinate = Coordinate.origin(config);
        this.adjustmentSamples = new double[config.adjustmentWindow()];
    }

    public Coordinate coordinate() {
        return coordinate;
    }

    /** Updates seen so far. */
    public long updates() {
        return updates;
    }

    /**
     * Takes one measured round trip to {@code peer}, whose coordinate is {@code theirs}.
     *
     * @param rttSeconds the measured round-trip time; ignored when not positive and finite or over 10 s
     */
    public Coordinate update(String peer, Coordinate theirs, double rttSeconds) {
        if (!(rttSeconds > 0) || rttSeconds > 10 || Double.isNaN(rttSeconds)
                || theirs.vector().length != config.dimensions()) {
            return coordinate;
        }
        double rtt = filtered(peer, rttSeconds);
        updateVivaldi(theirs, rtt);
        updateAdjustment(theirs, rtt);
        updateGravity();
        updates++;
        return coordinate;
    }

    /** Forgets a peer's latency samples (it left, or is dead). */
    public void forget(String peer) {
        latencies.remove(peer);
    }

    private double filtered(String peer, double rtt) {
        Deque<Double> samples = latencies.computeIfAbsent(peer, key -> new ArrayDeque<>());
        samples.addLast(rtt);
        if (samples.size() > config.latencyFilterSize()) {
            samples.removeFirst();
        }
        double[] sorted = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted[sorted.length / 2];
    }

    private void updateVivaldi(Coordinate theirs, double rtt) {
        double distance = coordinate.distanceTo(theirs);
        rtt = Math.max(rtt, ZERO);
        double wrongness = Math.abs(distance - rtt) / rtt;
        double totalError = Math.max(coordinate.error() + theirs.error(), ZERO);
        double weight = coordinate.error() / totalError;
        double error = config.errorFactor() * weight * wrongness + coordinate.error() * (1 - config.errorFactor() * weight);
        error = Math.min(error, config.errorMax());
        double force = config.centroidFactor() * weight * (rtt - distance);
        coordinate = applyForce(new Coordinate(coordinate.vector(), error, coordinate.adjustment(), coordinate.height()),
                force, theirs);
    }

    private void updateAdjustment(Coordinate theirs, double rtt) {
        if (config.adjustmentWindow() == 0) {
            return;
        }
        adjustmentSamples[adjustmentIndex] = rtt - coordinate.rawDistanceTo(theirs);
        adjustmentIndex = (adjustmentIndex + 1) % config.adjustmentWindow();
        double sum = Arrays.stream(adjustmentSamples).sum();
        coordinate = new Coordinate(coordinate.vector(), coordinate.error(), sum / (2.0 * config.adjustmentWindow()),
                coordinate.height());
    }

    private void updateGravity() {
        Coordinate origin = Coordinate.origin(config);
        double distance = coordinate.rawDistanceTo(origin) - coordinate.height() - origin.height();
        double force = -Math.pow(distance / config.gravityRho(), 2);
        coordinate = applyForce(coordinate, force, origin);
    }

    /** Moves the coordinate by {@code force} along the line from {@code other} (a positive force pushes away). */
    private Coordinate applyForce(Coordinate from, double force, Coordinate other) {
        double[] difference = Coordinate.subtract(from.vector(), other.vector());
        double magnitude = Coordinate.magnitude(difference);
        double[] unit = new double[difference.length];
        if (magnitude > ZERO) {
            for (int i = 0; i < unit.length; i++) {
                unit[i] = difference[i] / magnitude;
            }
        } else {
            // On top of each other: push in a random direction.
            double[] direction = new double[unit.length];
            for (int i = 0; i < direction.length; i++) {
                direction[i] = random.nextDouble() - 0.5;
            }
            double length = Coordinate.magnitude(direction);
            for (int i = 0; i < unit.length; i++) {
                unit[i] = direction[i] / length;
            }
        }
        double[] vector = from.vector();
        for (int i = 0; i < vector.length; i++) {
            vector[i] += unit[i] * force;
        }
        double height = from.height();
        if (magnitude > ZERO) {
            height = Math.max((from.height() + other.height()) * force / magnitude + from.height(), config.heightMin());
        }
        return new Coordinate(vector, from.error(), from.adjustment(), height);
    }
}
