package io.stampede.model.lifecycle;

/**
 * Where a job is, across all its datacenters, as its gates track it:
 *
 * <pre>
 * SUBMITTED ──first progress──▶ RUNNING ──every datacenter finished──▶ COMPLETED | PARTIAL | FAILED | CANCELLED | TIMED_OUT
 *     └────────────────every datacenter finished (before any progress)────────────▶ (same)
 * </pre>
 *
 * Terminal states never change. The final state is decided from the datacenters' own statuses
 * and from a stop the gate requested (cancel or timeout), which wins. PARTIAL: a datacenter was
 * lost, and at least the job's {@code minDatacenters} completed their part.
 */
public enum JobStatus {
    SUBMITTED, RUNNING, COMPLETED, PARTIAL, FAILED, CANCELLED, TIMED_OUT;

    /** The allowed moves. */
    public static final Transitions<JobStatus> TABLE = Transitions.of(JobStatus.class, "a job")
            .allow(SUBMITTED, RUNNING, COMPLETED, PARTIAL, FAILED, CANCELLED, TIMED_OUT)
            .allow(RUNNING, COMPLETED, PARTIAL, FAILED, CANCELLED, TIMED_OUT)
            .build();

    public boolean terminal() {
        return TABLE.terminal(this);
    }

    /** The state after a move to {@code next}; throws when the table does not allow it. */
    public JobStatus moveTo(JobStatus next) {
        return TABLE.move(this, next);
    }
}
