package io.stampede.cluster.overload;

import java.time.Duration;

import io.stampede.model.load.Backpressure;

/**
 * A manager's backpressure level, from how far behind it is on its progress topic: its fill is
 * the larger of records behind over {@code recordCapacity} and time behind (the age of the record
 * it applies) over {@code timeCapacity}; below 0.70 is NONE, below 0.85 THROTTLE, below 0.95
 * BATCH, else REJECT. A level rises at once and falls only after the fill has stayed under it for
 * {@code hold}, so workers do not flap between window lengths. Pure: time comes in.
 *
 * @param recordCapacity records behind that count as full
 * @param timeCapacity   time behind that counts as full
 * @param hold           how long a raised level is kept after the last reading that called for it
 */
public record BackpressureGauge(long recordCapacity, Duration timeCapacity, Duration hold) {

    /** 1,000 records (AD-23's hot tier), 10 s, held 10 s. */
    public static final BackpressureGauge DEFAULT = new BackpressureGauge(1_000, Duration.ofSeconds(10),
            Duration.ofSeconds(10));

    /** The level a fill calls for, by AD-23's thresholds. */
    public static Backpressure levelOf(double fill) {
        if (fill < 0.70) {
            return Backpressure.NONE;
        }
        if (fill < 0.85) {
            return Backpressure.THROTTLE;
        }
        return fill < 0.95 ? Backpressure.BATCH : Backpressure.REJECT;
    }

    public double fill(long recordsBehind, Duration timeBehind) {
        return Math.max(Math.max(0, recordsBehind) / (double) recordCapacity,
                Math.max(0, timeBehind.toMillis()) / (double) timeCapacity.toMillis());
    }

    /** A level with when it was last called for; start from {@link #initial()}. */
    public record Reading(Backpressure level, long calledForAtMillis) {
    }

    public static Reading initial() {
        return new Reading(Backpressure.NONE, Long.MIN_VALUE);
    }

    /** The level after one reading at {@code nowMillis}. */
    public Reading next(Reading before, long recordsBehind, Duration timeBehind, long nowMillis) {
        Backpressure wanted = levelOf(fill(recordsBehind, timeBehind));
        if (wanted.compareTo(before.level()) >= 0) {
            return new Reading(wanted, nowMillis);
        }
        return decay(before, wanted, nowMillis);
    }

    /** The level at {@code nowMillis} when nothing was read (nothing to apply means nothing behind). */
    public Reading idle(Reading before, long nowMillis) {
        return decay(before, Backpressure.NONE, nowMillis);
    }

    private Reading decay(Reading before, Backpressure wanted, long nowMillis) {
        if (nowMillis - before.calledForAtMillis() >= hold.toMillis()) {
            return new Reading(wanted, nowMillis);
        }
        return before;
    }
}
