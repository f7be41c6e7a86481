package io.stampede.model.lifecycle;

/**
 * Where a job is in one datacenter. Its leading manager moves it; its gates see the same values
 * in the datacenter's reports (they never see STOPPING, which only the manager holds):
 *
 * <pre>
 * SUBMITTED ──a workflow dispatched──▶ RUNNING ──every workflow ended──▶ COMPLETED | FAILED
 *     │  │                                │
 *     │  └──no core free──▶ QUEUED ──a core freed, or the queue limit──▶ RUNNING
 *     │                       │           │
 *     └──────────cancel or timeout────────┴──▶ STOPPING ──every share ended──▶ CANCELLED | TIMED_OUT
 *     └──every workflow ended at once (nothing to run here, or nothing could start)──▶ COMPLETED | FAILED
 *
 * SUBMITTED | QUEUED | RUNNING ──nothing heard for the silence limit──▶ LOST   (the gates' verdict)
 * </pre>
 *
 * QUEUED: the job came while every worker of the datacenter that takes new shares was busy with
 * other jobs, or while other jobs waited; it waits for a core, at most {@code stampede.jobs.queue-limit}.
 *
 * LOST is never a manager's: gates give it to a datacenter from which nothing about the job came
 * for {@code stampede.jobs.datacenter-silence} (its managers gone or cut off), and end the job
 * with what it had gathered.
 */
public enum DatacenterJobStatus {
    SUBMITTED, QUEUED, RUNNING, STOPPING, COMPLETED, FAILED, CANCELLED, TIMED_OUT, LOST;

    /** The allowed moves. */
    public static final Transitions<DatacenterJobStatus> TABLE = Transitions
            .of(DatacenterJobStatus.class, "a datacenter's job")
            .allow(SUBMITTED, QUEUED, RUNNING, STOPPING, COMPLETED, FAILED, LOST)
            .allow(QUEUED, RUNNING, STOPPING, LOST)
            .allow(RUNNING, STOPPING, COMPLETED, FAILED, LOST)
            .allow(STOPPING, CANCELLED, TIMED_OUT)
            .build();

    public boolean terminal() {
        return TABLE.terminal(this);
    }

    /** The state after a move to {@code next}; throws when the table does not allow it. */
    public DatacenterJobStatus moveTo(DatacenterJobStatus next) {
        return TABLE.move(this, next);
    }
}
