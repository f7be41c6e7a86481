package io.stampede.cluster.overload;

import java.util.ArrayDeque;
import java.util.Deque;

import io.stampede.model.load.LoadState;

/**
 * A node's load state: the worst of three signals, each with three thresholds (busy, stressed,
 * overloaded).
 * <ul>
 * <li><b>Delta</b>: the median of the last {@code window} latency samples against an EMA baseline
 * (α {@code alpha}) of the samples before them (seeded by the first), as a fraction of the
 * baseline; a rising trend (the slope of
 * the last {@code trendWindow} deltas, per sample) above {@code trendOverloaded} is overloaded
 * whatever the delta. Judged from {@code minSamples} samples on. The baseline is never taken
 * below {@code floorMillis}, so that 0.2 ms against 0.1 ms is not "twice as slow".</li>
 * <li><b>Absolute latency</b>: the same recent median against fixed limits in milliseconds.</li>
 * <li><b>Resources</b>: the process's CPU and heap, each a fraction of what it may use.</li>
 * </ul>
 * Samples come from the node's own critical work (a gate's request handling, a manager's record
 * apply lag, a worker's event-loop lag), typically one a second. Pure and not thread-safe: the
 * adapter feeds it from one thread.
 */
public final class OverloadDetector {

    /**
     * The thresholds; {@link #DEFAULTS} are the reference design's.
     *
     * @param alpha             the baseline EMA's weight of a new sample
     * @param window            samples in the recent median
     * @param trendWindow       deltas the trend is fitted over
     * @param minSamples        samples before latency is judged at all
     * @param floorMillis       the least baseline a delta is taken against, in ms
     * @param delta             delta limits, as fractions above the baseline
     * @param trendOverloaded   a trend above this (delta per sample) is overloaded
     * @param latencyMillis     absolute latency limits, in ms
     * @param cpu               CPU limits, as fractions of the process's share of the machine
     * @param memory            heap limits, as fractions of the maximum heap
     */
    public record Thresholds(double alpha, int window, int trendWindow, int minSamples, double floorMillis,
            Limits delta, double trendOverloaded, Limits latencyMillis, Limits cpu, Limits memory) {
    }

    /** Three ascending limits: at or past {@code busy} is BUSY, and so on. */
    public record Limits(double busy, double stressed, double overloaded) {

        public Limits {
            if (!(busy <= stressed && stressed <= overloaded)) {
                throw new IllegalArgumentException("limits must ascend: " + busy + ", " + stressed + ", " + overloaded);
            }
        }

        /** The state a value is in; a value that is not a number (unknown) is HEALTHY. */
        public LoadState of(double value) {
            if (value >= overloaded) {
                return LoadState.OVERLOADED;
            }
            if (value >= stressed) {
                return LoadState.STRESSED;
            }
            return value >= busy ? LoadState.BUSY : LoadState.HEALTHY;
        }
    }

    /** AD-18: delta 0.2/0.5/1.0, trend 0.1, latency 200/500/2000 ms, CPU and memory 0.70/0.85/0.95. */
    public static final Thresholds DEFAULTS = new Thresholds(0.1, 10, 20, 3, 10,
            new Limits(0.2, 0.5, 1.0), 0.1, new Limits(200, 500, 2_000),
            new Limits(0.70, 0.85, 0.95), new Limits(0.70, 0.85, 0.95));

    /** Each signal's state and the figures behind it, for {@code GET /api/v1/node} and metrics. */
    public record Signals(LoadState state, LoadState delta, LoadState latency, LoadState resources,
            double baselineMillis, double recentMillis, double deltaRatio, double trend, double cpu,
            double memory) {
    }

    private final Thresholds thresholds;
    private final Deque<Double> recent = new ArrayDeque<>();
    private final Deque<Double> deltas = new ArrayDeque<>();
    private double baseline = Double.NaN;
    private long samples;
    private double cpu = Double.NaN;
    private double memory = Double.NaN;

    public OverloadDetector(Thresholds thresholds) {
        this.thresholds = thresholds;
    }

    public OverloadDetector() {
        this(DEFAULTS);
    }

    /** One sample of the node's critical work, in milliseconds; a negative or non-number sample is ignored. */
    public void latency(double millis) {
        if (!(millis >= 0) || Double.isInfinite(millis)) {
            return;
        }
        samples++;
        if (Double.isNaN(baseline)) {
            baseline = millis;
        }
        recent.addLast(millis);
        if (recent.size() > thresholds.window()) {
            // The baseline learns only from samples older than the recent window, so a rise shows
            // against what came before it rather than against itself.
            double old = recent.removeFirst();
            baseline += thresholds.alpha() * (old - baseline);
        }
        deltas.addLast(delta());
        if (deltas.size() > thresholds.trendWindow()) {
            deltas.removeFirst();
        }
    }

    /**
     * The process's CPU and heap, as fractions of what it may use (1 = all of it); not a number
     * when unknown.
     */
    public void resources(double cpuFraction, double memoryFraction) {
        this.cpu = cpuFraction;
        this.memory = memoryFraction;
    }

    public LoadState state() {
        return signals().state();
    }

    public Signals signals() {
        boolean judged = samples >= thresholds.minSamples();
        double deltaRatio = judged ? delta() : 0;
        double trend = judged ? trend() : 0;
        LoadState delta = judged ? thresholds.delta().of(deltaRatio) : LoadState.HEALTHY;
        if (trend > thresholds.trendOverloaded()) {
            delta = LoadState.OVERLOADED;
        }
        LoadState latency = judged ? thresholds.latencyMillis().of(recentMedian()) : LoadState.HEALTHY;
        LoadState resources = thresholds.cpu().of(cpu).worst(thresholds.memory().of(memory));
        return new Signals(delta.worst(latency).worst(resources), delta, latency, resources,
                Double.isNaN(baseline) ? 0 : baseline, recentMedian(), deltaRatio, trend, cpu, memory);
    }

    /**
     * The median of the recent samples: one slow second (a cold first request, a collection) does
     * not move it; only most of the window being slow does.
     */
    private double recentMedian() {
        if (recent.isEmpty()) {
            return 0;
        }
        double[] sorted = recent.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private double delta() {
        return (recentMedian() - baseline) / Math.max(baseline, thresholds.floorMillis());
    }

    /** The least-squares slope of the recent deltas against their index; 0 with fewer than two. */
    private double trend() {
        int n = deltas.size();
        if (n < 2) {
            return 0;
        }
        double meanX = (n - 1) / 2.0;
        double meanY = deltas.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        double covariance = 0;
        double variance = 0;
        int x = 0;
        for (double y : deltas) {
            covariance += (x - meanX) * (y - meanY);
            variance += (x - meanX) * (x - meanX);
            x++;
        }
        return covariance / variance;
    }
}
