package io.stampede.manager.dispatch;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The life of a workflow in a datacenter, as a table of allowed moves:
 *
 * <pre>
 * PENDING ──dispatch──▶ DISPATCHED ──first window──▶ RUNNING ──all shares done──▶ COMPLETED
 *    │                      │                          │
 *    └────────cancel────────┴──────────cancel──────────┴──▶ CANCELLED
 *    └──a dependency failed─┴────a share failed────────┴──▶ FAILED
 * </pre>
 *
 * A workflow may also complete straight from DISPATCHED (shares that ended within their first
 * window). Anything else is a bug and fails loudly.
 */
public enum WorkflowState {
    PENDING, DISPATCHED, RUNNING, COMPLETED, FAILED, CANCELLED;

    static final Map<WorkflowState, Set<WorkflowState>> MOVES = Map.of(
            PENDING, EnumSet.of(DISPATCHED, FAILED, CANCELLED),
            DISPATCHED, EnumSet.of(RUNNING, COMPLETED, FAILED, CANCELLED),
            RUNNING, EnumSet.of(COMPLETED, FAILED, CANCELLED),
            COMPLETED, EnumSet.noneOf(WorkflowState.class),
            FAILED, EnumSet.noneOf(WorkflowState.class),
            CANCELLED, EnumSet.noneOf(WorkflowState.class));

    public boolean terminal() {
        return MOVES.get(this).isEmpty();
    }

    /**
     * The state after a move to {@code next}.
     *
     * @throws IllegalStateException when the table does not allow it
     */
    public WorkflowState moveTo(WorkflowState next) {
        if (!MOVES.get(this).contains(next)) {
            throw new IllegalStateException("a workflow cannot go from " + this + " to " + next);
        }
        return next;
    }
}
