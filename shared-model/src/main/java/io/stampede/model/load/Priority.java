package io.stampede.model.load;

/**
 * How much a request or record matters when a node must shed work; every request class and
 * record class has one. CRITICAL is never shed.
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
