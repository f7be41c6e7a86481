package io.stampede.gate.routing;

import java.time.Duration;

/**
 * The observed time from a job's dispatch to a datacenter until its first progress there, as an
 * exponentially weighted moving average (α 0.2), and how far to trust it: the sample count up to
 * 10, fading to nothing over 300 s without a sample. Not thread-safe; time comes in with each call.
 */
public final class DispatchLatency {

    static final double ALPHA = 0.2;
    static final int FULL_SAMPLES = 10;
    static final Duration FADES_OVER = Duration.ofSeconds(300);
    /**
     * How finely dispatch-to-first-progress can be told: managers report progress once a second,
     * so differences under a second between datacenters are noise and count for nothing.
     */
    static final double RESOLUTION_MILLIS = 1_000;

    private double ewmaMillis;
    private int samples;
    private long lastAt;

    public void sample(double millis, long nowMillis) {
        ewmaMillis = samples == 0 ? millis : ALPHA * millis + (1 - ALPHA) * ewmaMillis;
        samples++;
        lastAt = nowMillis;
    }

    public double millis() {
        return ewmaMillis;
    }

    public int samples() {
        return samples;
    }

    /** 0..1: min(1, samples/10), times the share of the fading time not yet passed. */
    public double confidence(long nowMillis) {
        if (samples == 0) {
            return 0;
        }
        double fresh = Math.max(0, 1 - (nowMillis - lastAt) / (double) FADES_OVER.toMillis());
        return Math.min(1.0, samples / (double) FULL_SAMPLES) * fresh;
    }

    /**
     * The latency routing uses: the round-trip bound, plus the confidence-weighted amount by which
     * this datacenter is slower to start a job than the quickest datacenter that has started any,
     * beyond the {@link #RESOLUTION_MILLIS} the figure can be told to. The part of the dispatch time
     * every datacenter shares (Kafka, the managers' one-second progress) is left out, so a
     * datacenter used often is not made to look farther than one never used.
     *
     * @param quickestObservedMillis the lowest observed figure among the datacenters with samples
     */
    public static double blend(double rttUpperBoundMillis, double observedMillis, double confidence,
            double quickestObservedMillis) {
        return rttUpperBoundMillis
                + confidence * Math.max(0, observedMillis - quickestObservedMillis - RESOLUTION_MILLIS);
    }
}
