package io.stampede.cluster.overload;

import java.util.EnumMap;
import java.util.Map;

import io.stampede.model.load.Priority;

/**
 * Bounded work in flight, per priority and in all: a request takes a slot when it starts and
 * gives it back when it ends, and is turned away when its priority's slots, or all slots, are
 * taken. CRITICAL work is never turned away (it is counted, not limited). Thread-safe.
 */
public final class InFlight {

    /**
     * Slots per priority and in all.
     *
     * @param total  all non-critical work together
     * @param high   HIGH work
     * @param normal NORMAL work
     * @param low    LOW work
     */
    public record Limits(int total, int high, int normal, int low) {

        /**
         * AD-32's limits for a gate. Managers and workers take their work from Kafka, one record at
         * a time per consumer, so only the gate bounds requests in flight.
         */
        public static final Limits GATE = new Limits(2_000, 1_000, 600, 400);

        public Limits {
            if (total < 1 || high < 1 || normal < 1 || low < 1) {
                throw new IllegalArgumentException("in-flight limits must be at least 1");
            }
        }

        int of(Priority priority) {
            return switch (priority) {
                case CRITICAL -> Integer.MAX_VALUE;
                case HIGH -> high;
                case NORMAL -> normal;
                case LOW -> low;
            };
        }
    }

    private final Limits limits;
    private final Map<Priority, Integer> taken = new EnumMap<>(Priority.class);
    private int total;

    public InFlight(Limits limits) {
        this.limits = limits;
        for (Priority priority : Priority.values()) {
            taken.put(priority, 0);
        }
    }

    public Limits limits() {
        return limits;
    }

    /** Takes a slot if one is free; the caller must {@link #release} it once, when the work ends. */
    public synchronized boolean tryAcquire(Priority priority) {
        int now = taken.get(priority);
        if (priority != Priority.CRITICAL && (now >= limits.of(priority) || total >= limits.total())) {
            return false;
        }
        taken.put(priority, now + 1);
        if (priority != Priority.CRITICAL) {
            total++;
        }
        return true;
    }

    public synchronized void release(Priority priority) {
        int now = taken.get(priority);
        if (now == 0) {
            throw new IllegalStateException("released a " + priority + " slot never taken");
        }
        taken.put(priority, now - 1);
        if (priority != Priority.CRITICAL) {
            total--;
        }
    }

    /** Slots taken now at this priority. */
    public synchronized int taken(Priority priority) {
        return taken.get(priority);
    }
}
