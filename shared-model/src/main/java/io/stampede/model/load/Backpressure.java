package io.stampede.model.load;

import java.time.Duration;

/**
 * How hard a manager asks its workers to hold back their progress windows, from how far behind
 * it is on its progress topic. Workers merge windows exactly, so totals and percentiles do not
 * change; only the live view gets coarser. Final results are never held back.
 */
public enum Backpressure {
    /** The manager keeps up: a window every second. */
    NONE(Duration.ofSeconds(1)),
    /** Falling behind: windows of 2 s. */
    THROTTLE(Duration.ofSeconds(2)),
    /** Far behind: windows of 5 s. */
    BATCH(Duration.ofSeconds(5)),
    /** Near its limit: windows of 10 s, until the manager catches up. */
    REJECT(Duration.ofSeconds(10));

    private final Duration window;

    Backpressure(Duration window) {
        this.window = window;
    }

    /** How long a worker gathers windows before it sends them, merged, as one. */
    public Duration window() {
        return window;
    }

    /** The stronger of the two. */
    public Backpressure worst(Backpressure other) {
        return other != null && other.ordinal() > ordinal() ? other : this;
    }

    /** A level read from the wire: an older node that sent none means NONE. */
    public static Backpressure orNone(Backpressure level) {
        return level == null ? NONE : level;
    }
}
