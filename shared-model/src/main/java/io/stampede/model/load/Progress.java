package io.stampede.model.load;

/**
 * How a worker keeps up with the load it was asked for: iterations started against iterations
 * due, for its arrival-rate shares (a closed-model share sets its own pace, so it has no
 * expectation to miss). AD-19's thresholds: at least 0.8 NORMAL, at least 0.3 SLOW, above 0
 * DEGRADED, 0 STUCK. Ordered from best to worst.
 */
public enum Progress {
    /** Nothing to judge: no arrival-rate share, or no iteration due since the last reading. */
    UNKNOWN,
    NORMAL,
    SLOW,
    DEGRADED,
    /** Iterations were due and none started: a STUCK worker is given no new shares. */
    STUCK;

    /** The judgement for {@code started} of {@code due} iterations. */
    public static Progress of(long started, long due) {
        if (due <= 0) {
            return UNKNOWN;
        }
        double ratio = started / (double) due;
        return ratio >= 0.8 ? NORMAL : ratio >= 0.3 ? SLOW : ratio > 0 ? DEGRADED : STUCK;
    }

    /** The worse of the two. */
    public Progress worst(Progress other) {
        return other != null && other.ordinal() > ordinal() ? other : this;
    }

    public static Progress orUnknown(Progress progress) {
        return progress == null ? UNKNOWN : progress;
    }
}
