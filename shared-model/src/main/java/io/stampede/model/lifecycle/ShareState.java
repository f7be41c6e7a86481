package io.stampede.model.lifecycle;

/**
 * The life of one worker's share of a workflow (one attempt):
 *
 * <pre>
 * RUNNING ──ran to its end──▶ COMPLETED
 *    ├──────told to stop────▶ CANCELLED
 *    └──could not run, or its worker was lost without a re-run──▶ FAILED
 * </pre>
 *
 * The worker reports the terminal state in {@code workflow.finished}; the manager holds the same
 * states for the shares it dispatched (a lost share whose remaining time re-runs elsewhere counts
 * as COMPLETED: its part continues).
 */
public enum ShareState {
    RUNNING, COMPLETED, CANCELLED, FAILED;

    /** The allowed moves. */
    public static final Transitions<ShareState> TABLE = Transitions.of(ShareState.class, "a share")
            .allow(RUNNING, COMPLETED, CANCELLED, FAILED)
            .build();

    public boolean terminal() {
        return TABLE.terminal(this);
    }

    /** The state after a move to {@code next}; throws when the table does not allow it. */
    public ShareState moveTo(ShareState next) {
        return TABLE.move(this, next);
    }
}
