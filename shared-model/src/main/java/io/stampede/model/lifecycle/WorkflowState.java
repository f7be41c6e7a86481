package io.stampede.model.lifecycle;

import java.util.Collection;

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

    /**
     * One workflow's state over the datacenters that run it, as people are shown it: RUNNING while
     * any datacenter runs it or some have ended and others not; once all have ended, FAILED if any
     * failed, else CANCELLED if any was cancelled, else COMPLETED; before any runs, DISPATCHED if
     * any was dispatched, else PENDING (waiting for its dependencies). Null for no datacenter.
     */
    public static WorkflowState across(Collection<WorkflowState> states) {
        if (states.isEmpty()) {
            return null;
        }
        boolean anyEnded = states.stream().anyMatch(WorkflowState::terminal);
        boolean allEnded = states.stream().allMatch(WorkflowState::terminal);
        if (allEnded) {
            return states.contains(FAILED) ? FAILED : states.contains(CANCELLED) ? CANCELLED : COMPLETED;
        }
        if (anyEnded || states.contains(RUNNING)) {
            return RUNNING;
        }
        return states.contains(DISPATCHED) ? DISPATCHED : PENDING;
    }

    /** The state after a move to {@code next}; throws when the table does not allow it. */
    public WorkflowState moveTo(WorkflowState next) {
        return TABLE.move(this, next);
    }
}
