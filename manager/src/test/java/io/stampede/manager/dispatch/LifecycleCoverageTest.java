package io.stampede.manager.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.stampede.model.JobId;
import io.stampede.model.job.JobSpecParser;
import io.stampede.model.job.LoadShare;
import io.stampede.model.lifecycle.DatacenterJobStatus;
import io.stampede.model.lifecycle.ShareState;
import io.stampede.model.lifecycle.WorkflowState;
import io.stampede.model.stats.WorkflowWindow;
import io.stampede.model.wire.Payload;

/**
 * Walks every move of the manager's lifecycle tables (a datacenter's job, a workflow, a share)
 * through {@link DatacenterJob}, and fails when a move of a table is no longer exercised: a move
 * nobody can reach is either dead code or a missing test. The tables count visits in this JVM;
 * each is reset before the walk, so only this class's scenarios count.
 */
class LifecycleCoverageTest {

    static final String SPEC = """
            name: two
            workflows:
              - name: first
                vus: 2
                iterations: 1
                steps: [{name: s, request: {url: "http://h/"}}]
              - name: second
                dependsOn: [first]
                vus: 1
                iterations: 1
                steps: [{name: s, request: {url: "http://h/"}}]
            """;
    static final List<WorkerRegistry.Worker> ONE = List.of(new WorkerRegistry.Worker("w1", 2, 2, "1", 0, Instant.EPOCH));

    @BeforeAll
    static void countFromNow() {
        DatacenterJobStatus.TABLE.forgetVisits();
        WorkflowState.TABLE.forgetVisits();
        ShareState.TABLE.forgetVisits();
    }

    @AfterAll
    static void everyMoveWasMade() {
        // Moves to LOST are the gates' verdict on a silent datacenter, never a manager's: the gate's tests make them.
        assertThat(DatacenterJobStatus.TABLE.unvisited()).as("datacenter job moves no test makes")
                .allSatisfy(move -> assertThat(move.to()).isEqualTo(DatacenterJobStatus.LOST));
        assertThat(WorkflowState.TABLE.unvisited()).as("workflow moves no test makes").isEmpty();
        assertThat(ShareState.TABLE.unvisited()).as("share moves no test makes").isEmpty();
    }

    static DatacenterJob job(Map<String, LoadShare> shares) {
        return new DatacenterJob(JobId.of("job-1"), "dc1", new Payload.JobSubmitted("dc1", SPEC, shares, 0),
                JobSpecParser.parse(SPEC));
    }

    static DatacenterJob job() {
        return job(Map.of());
    }

    static WorkflowWindow window(String workflow) {
        return new WorkflowWindow(workflow, 0, 1_000, 1, 0, 0, List.of());
    }

    static Payload.WorkflowFinished finished(String workflow, ShareState outcome) {
        return new Payload.WorkflowFinished(workflow, "w1", outcome, window(workflow), Map.of(),
                outcome == ShareState.FAILED ? "boom" : "");
    }

    /** SUBMITTED → QUEUED → RUNNING: the job waited for a free core, then ran. */
    @Test
    void queuedThenStarted() {
        DatacenterJob job = job();
        job.queue(1_000);
        assertThat(job.status()).isEqualTo(DatacenterJobStatus.QUEUED);
        assertThat(job.advance(ONE)).as("nothing is dispatched while it waits").isEmpty();
        assertThat(job.progress().queued()).isTrue();
        assertThat(job.start(ONE)).isNotEmpty();
        assertThat(job.status()).isEqualTo(DatacenterJobStatus.RUNNING);
        assertThat(job.progress().queued()).isFalse();
    }

    /** QUEUED → STOPPING → CANCELLED: cancelled while it waited. */
    @Test
    void cancelledWhileQueued() {
        DatacenterJob job = job();
        job.queue(1_000);
        job.stop(DatacenterJobStatus.CANCELLED);
        assertThat(job.status()).isEqualTo(DatacenterJobStatus.CANCELLED);
        assertThat(job.start(ONE)).isEmpty();
    }

    /** SUBMITTED → RUNNING → COMPLETED; PENDING → DISPATCHED → RUNNING → COMPLETED; DISPATCHED → COMPLETED. */
    @Test
    void everythingCompletes() {
        DatacenterJob job = job();
        job.advance(ONE);
        assertThat(job.status()).isEqualTo(DatacenterJobStatus.RUNNING);
        job.onWindow(new Payload.WorkflowWindowReported("first", "w1", window("first")));
        job.onFinished(finished("first", ShareState.COMPLETED), ONE);
        job.onFinished(finished("second", ShareState.COMPLETED), ONE);
        assertThat(job.states()).containsEntry("first", WorkflowState.COMPLETED).containsEntry("second",
                WorkflowState.COMPLETED);
        assertThat(job.status()).isEqualTo(DatacenterJobStatus.COMPLETED);
    }

    /** RUNNING → FAILED; a share RUNNING → FAILED; DISPATCHED → FAILED; PENDING → FAILED (its dependency failed). */
    @Test
    void aShareFailsBeforeItsFirstWindow() {
        DatacenterJob job = job();
        job.advance(ONE);
        job.onFinished(finished("first", ShareState.FAILED), ONE);
        assertThat(job.states()).containsEntry("first", WorkflowState.FAILED).containsEntry("second",
                WorkflowState.FAILED);
        assertThat(job.status()).isEqualTo(DatacenterJobStatus.FAILED);
    }

    /** RUNNING → FAILED from a running workflow. */
    @Test
    void aRunningShareFails() {
        DatacenterJob job = job();
        job.advance(ONE);
        job.onWindow(new Payload.WorkflowWindowReported("first", "w1", window("first")));
        job.onFinished(finished("first", ShareState.FAILED), ONE);
        assertThat(job.states()).containsEntry("first", WorkflowState.FAILED);
    }

    /** SUBMITTED → FAILED: no worker to run anything. */
    @Test
    void noWorkerAtAll() {
        DatacenterJob job = job();
        job.advance(List.of());
        assertThat(job.status()).isEqualTo(DatacenterJobStatus.FAILED);
    }

    /** SUBMITTED → COMPLETED: this datacenter's shares are empty. */
    @Test
    void nothingToRunHere() {
        DatacenterJob job = job(Map.of("first", new LoadShare(0, 0, 0, 1), "second", new LoadShare(0, 0, 0, 1)));
        job.advance(ONE);
        assertThat(job.status()).isEqualTo(DatacenterJobStatus.COMPLETED);
    }

    /** SUBMITTED → STOPPING → CANCELLED; PENDING → CANCELLED. */
    @Test
    void cancelledBeforeAnythingRan() {
        DatacenterJob job = job();
        job.stop(DatacenterJobStatus.CANCELLED);
        assertThat(job.states()).containsEntry("first", WorkflowState.CANCELLED);
        assertThat(job.status()).isEqualTo(DatacenterJobStatus.CANCELLED);
    }

    /** RUNNING → STOPPING → TIMED_OUT; DISPATCHED → CANCELLED; a share RUNNING → CANCELLED. */
    @Test
    void timedOutWhileDispatched() {
        DatacenterJob job = job();
        job.advance(ONE);
        job.stop(DatacenterJobStatus.TIMED_OUT);
        assertThat(job.status()).isEqualTo(DatacenterJobStatus.STOPPING);
        job.onFinished(finished("first", ShareState.CANCELLED), ONE);
        assertThat(job.states()).containsEntry("first", WorkflowState.CANCELLED);
        assertThat(job.status()).isEqualTo(DatacenterJobStatus.TIMED_OUT);
    }

    /** RUNNING → CANCELLED for a running workflow. */
    @Test
    void cancelledWhileRunning() {
        DatacenterJob job = job();
        job.advance(ONE);
        job.onWindow(new Payload.WorkflowWindowReported("first", "w1", window("first")));
        job.stop(DatacenterJobStatus.CANCELLED);
        job.onFinished(finished("first", ShareState.CANCELLED), ONE);
        assertThat(job.states()).containsEntry("first", WorkflowState.CANCELLED);
        assertThat(job.status()).isEqualTo(DatacenterJobStatus.CANCELLED);
    }
}
