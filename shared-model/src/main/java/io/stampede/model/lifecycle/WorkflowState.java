package io.stampede.model.lifecycle;

/**
 * The life of a workflow in a datacenter:
 *
 * <pre>
 * PENDING ──dispatch──▶ DISPATCHED ──first window──▶ RUNNING ──all shares done──▶ COMPLETED
 *    │                      │                          │
 *    └────────cancel────────┴──────────cancel──────────┴──▶ CANCELLED
 *    └──a dependency failed─┴────a share failed────────┴──▶ FAILED
 * </pre>
 *
 * A workflow may also complete straight from DISPATCHED (shares that ended within their first
 * window, or an empty share in this datacenter). Anything else is a bug and fails loudly.
 */
public enum WorkflowState {
    PENDING, DISPATCHED, RUNNING, COMPLETED, FAILED, CANCELLED;

    /** The allowed moves. */
    public static final Transitions<WorkflowState> TABLE = Transitions.of(WorkflowState.class, "a workflow")
            .allow(PENDING, DISPATCHED, FAILED, CANCELLED)
            .allow(DISPATCHED, RUNNING, COMPLETED, FAILED, CANCELLED)
            .allow(RUNNING, COMPLETED, FAILED, CANCELLED)
            .build();

    public boolean terminal() {
        return TABLE.terminal(this);
    }

    /** The state after a move to {@code next}; throws when the table does not allow it. */
    public WorkflowState moveTo(WorkflowState next) {
        return TABLE.move(this, next);
    }
}
