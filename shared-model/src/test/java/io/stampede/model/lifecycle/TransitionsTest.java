package io.stampede.model.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import java.util.function.BiFunction;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

/**
 * Each lifecycle table, checked on the exhaustive grid of moves: a move is allowed exactly when
 * the table (written out here a second time, as the docs draw it) says so, and anything else
 * throws with a message naming both states.
 */
class TransitionsTest {

    private static <S extends Enum<S>> void onlyTheseMoves(S[] states, Transitions<S> table, String subject,
            BiFunction<S, S, S> move, String... allowed) {
        Set<String> expected = Set.of(allowed);
        for (S from : states) {
            for (S to : states) {
                if (expected.contains(from + ">" + to)) {
                    assertThat(move.apply(from, to)).isEqualTo(to);
                } else {
                    assertThatThrownBy(() -> move.apply(from, to)).isInstanceOf(IllegalStateException.class)
                            .hasMessage(subject + " cannot go from " + from + " to " + to);
                }
            }
        }
        assertThat(table.moves().stream().map(m -> m.from() + ">" + m.to()).collect(Collectors.toSet()))
                .isEqualTo(expected);
    }

    @Test
    void workflows() {
        onlyTheseMoves(WorkflowState.values(), WorkflowState.TABLE, "a workflow", WorkflowState::moveTo,
                "PENDING>DISPATCHED", "PENDING>FAILED", "PENDING>CANCELLED",
                "DISPATCHED>RUNNING", "DISPATCHED>COMPLETED", "DISPATCHED>FAILED", "DISPATCHED>CANCELLED",
                "RUNNING>COMPLETED", "RUNNING>FAILED", "RUNNING>CANCELLED");
        assertThat(WorkflowState.COMPLETED.terminal()).isTrue();
        assertThat(WorkflowState.RUNNING.terminal()).isFalse();
    }

    @Test
    void jobs() {
        onlyTheseMoves(JobStatus.values(), JobStatus.TABLE, "a job", JobStatus::moveTo,
                "SUBMITTED>RUNNING", "SUBMITTED>COMPLETED", "SUBMITTED>PARTIAL", "SUBMITTED>FAILED",
                "SUBMITTED>CANCELLED", "SUBMITTED>TIMED_OUT", "RUNNING>COMPLETED", "RUNNING>PARTIAL", "RUNNING>FAILED",
                "RUNNING>CANCELLED", "RUNNING>TIMED_OUT");
        assertThat(Set.of(JobStatus.values()).stream().filter(JobStatus::terminal))
                .containsExactlyInAnyOrder(JobStatus.COMPLETED, JobStatus.PARTIAL, JobStatus.FAILED, JobStatus.CANCELLED,
                        JobStatus.TIMED_OUT);
    }

    @Test
    void datacenterJobs() {
        onlyTheseMoves(DatacenterJobStatus.values(), DatacenterJobStatus.TABLE, "a datacenter's job",
                DatacenterJobStatus::moveTo,
                "SUBMITTED>QUEUED", "SUBMITTED>RUNNING", "SUBMITTED>STOPPING", "SUBMITTED>COMPLETED", "SUBMITTED>FAILED",
                "SUBMITTED>LOST", "QUEUED>RUNNING", "QUEUED>STOPPING", "QUEUED>LOST", "RUNNING>STOPPING", "RUNNING>COMPLETED", "RUNNING>FAILED", "RUNNING>LOST",
                "STOPPING>CANCELLED", "STOPPING>TIMED_OUT");
    }

    @Test
    void shares() {
        onlyTheseMoves(ShareState.values(), ShareState.TABLE, "a share", ShareState::moveTo,
                "RUNNING>COMPLETED", "RUNNING>CANCELLED", "RUNNING>FAILED");
    }

    @Test
    void aTableRemembersWhichMovesWereMade() {
        Transitions<ShareState> table = Transitions.of(ShareState.class, "a share")
                .allow(ShareState.RUNNING, ShareState.COMPLETED, ShareState.FAILED).build();
        assertThat(table.unvisited()).hasSize(2);
        table.move(ShareState.RUNNING, ShareState.COMPLETED);
        assertThat(table.unvisited()).containsExactly(new Transitions.Move<>(ShareState.RUNNING, ShareState.FAILED));
        assertThatThrownBy(() -> table.move(ShareState.RUNNING, ShareState.CANCELLED))
                .isInstanceOf(IllegalStateException.class);
        assertThat(table.unvisited()).as("a refused move is no visit").hasSize(1);
        table.forgetVisits();
        assertThat(table.unvisited()).hasSize(2);
    }
}
