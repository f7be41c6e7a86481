package io.stampede.model.load;

/**
 * How much a request matters when a gate must shed work; each API request has one (see
 * {@code Operation} in the gate). CRITICAL is never shed. Between nodes, records follow the same
 * order without a field: cancels and final results are never held back, dispatches skip
 * overloaded workers, progress is held back by backpressure.
 */
public enum Priority {
    /** Health checks, cancels, final results, membership. */
    CRITICAL,
    /** Submissions, dispatches. */
    HIGH,
    /** Progress, status reads, live event streams. */
    NORMAL,
    /** Listings, debug and detail reads. */
    LOW
}
