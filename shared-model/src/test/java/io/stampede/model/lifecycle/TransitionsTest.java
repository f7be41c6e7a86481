package io.stampede.manager.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;

import org.junit.jupiter.api.Test;

class WorkflowStateTest {

    /** Every pair of states: the move is allowed exactly when the table says so. */
    @Test
    void theTableIsTheOnlyWayToMove() {
        Set<String> allowed = Set.of("PENDING>DISPATCHED", "PENDING>FAILED", "PENDING>CANCELLED",
                "DISPATCHED>RUNNING", "DISPATCHED>COMPLETED", "DISPATCHED>FAILED", "DISPATCHED>CANCELLED",
                "RUNNING>COMPLETED", "RUNNING>FAILED", "RUNNING>CANCELLED");
        for (WorkflowState from : WorkflowState.values()) {
            for (WorkflowState to : WorkflowState.values()) {
                if (allowed.contains(from + ">" + to)) {
                    assertThat(from.moveTo(to)).isEqualTo(to);
                } else {
                    assertThatThrownBy(() -> from.moveTo(to)).isInstanceOf(IllegalStateException.class)
                            .hasMessage("a workflow cannot go from " + from + " to " + to);
                }
            }
        }
        assertThat(WorkflowState.COMPLETED.terminal()).isTrue();
        assertThat(WorkflowState.RUNNING.terminal()).isFalse();
    }
}
