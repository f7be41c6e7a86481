package io.stampede.gate.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.stampede.gate.jobs.GateJobsTest.GateScenario;
import io.stampede.model.JobId;
import io.stampede.model.lifecycle.DatacenterJobStatus;
import io.stampede.model.lifecycle.JobStatus;

/**
 * Walks every move of the job lifecycle ({@link JobStatus}) through the gate's core, and fails
 * when a move of the table is no longer exercised. Visits are counted from this class's start.
 */
class JobLifecycleCoverageTest {

    @BeforeAll
    static void countFromNow() {
        JobStatus.TABLE.forgetVisits();
        DatacenterJobStatus.TABLE.forgetVisits();
    }

    @AfterAll
    static void everyMoveWasMade() {
        assertThat(JobStatus.TABLE.unvisited()).as("job moves no test makes").isEmpty();
        // Moves to LOST are the gates' own (the manager's tests make every other datacenter move).
        assertThat(DatacenterJobStatus.TABLE.unvisited()).as("moves to LOST no test makes")
                .noneMatch(move -> move.to() == DatacenterJobStatus.LOST);
    }

    /** A datacenter silent for the limit, before or after it started the job, is given up. */
    @ParameterizedTest
    @CsvSource({"false", "true"})
    void aSilentDatacenterIsLost(boolean progress) {
        GateScenario gate = new GateScenario("gate-1").datacenter("dc1", 2, 1);
        JobId id = gate.submit(GateJobsTest.JOB.replace("timeout: 30s", "timeout: 10m"), Optional.empty(),
                new ArrayList<>());
        if (progress) {
            gate.core.onEvent(gate.report(id, "dc1", 1, GateJobsTest.progress("dc1")), GateScenario.NOW);
        }
        long silent = GateScenario.NOW + GateScenario.SILENCE.toMillis();
        gate.core.onEvent(gate.status("dc1", 1, 1, 2), silent - 1_000);

        gate.core.tick(silent, List.of("gate-1"), false, Set.of());

        assertThat(gate.core.job(id).orElseThrow().datacenterStatus()).containsEntry("dc1", DatacenterJobStatus.LOST);
        assertThat(gate.core.job(id).orElseThrow().status()).isEqualTo(JobStatus.FAILED);
    }

    /** A datacenter that queued the job (no free core there) shows QUEUED; silent, it is lost from there too. */
    @ParameterizedTest
    @CsvSource({"false", "true"})
    void aQueuedDatacenterStartsOrIsLost(boolean starts) {
        GateScenario gate = new GateScenario("gate-1").datacenter("dc1", 2, 1);
        JobId id = gate.submit(GateJobsTest.JOB.replace("timeout: 30s", "timeout: 10m"), Optional.empty(),
                new ArrayList<>());
        gate.core.onEvent(gate.report(id, "dc1", 1, new io.stampede.model.wire.Payload.DatacenterProgress("dc1",
                java.util.Map.of("browse", io.stampede.model.lifecycle.WorkflowState.PENDING), java.util.Map.of(), null,
                null, java.util.Map.of(), true)), GateScenario.NOW);
        assertThat(gate.core.job(id).orElseThrow().datacenterStatus()).containsEntry("dc1", DatacenterJobStatus.QUEUED);
        if (starts) {
            gate.core.onEvent(gate.report(id, "dc1", 1, GateJobsTest.progress("dc1")), GateScenario.NOW + 1_000);
            assertThat(gate.core.job(id).orElseThrow().datacenterStatus()).containsEntry("dc1", DatacenterJobStatus.RUNNING);
            return;
        }
        long silent = GateScenario.NOW + GateScenario.SILENCE.toMillis();
        gate.core.onEvent(gate.status("dc1", 1, 1, 2), silent - 1_000);
        gate.core.tick(silent, List.of("gate-1"), false, Set.of());
        assertThat(gate.core.job(id).orElseThrow().datacenterStatus()).containsEntry("dc1", DatacenterJobStatus.LOST);
    }

    /**
     * @param progress whether the datacenter reported progress first (the job is RUNNING)
     * @param stop     what the gate asked for first: NONE, CANCEL or TIMEOUT
     * @param reported the datacenter's final status
     * @param expected the job's final status
     */
    @ParameterizedTest
    @CsvSource({
        "false, NONE,    COMPLETED, COMPLETED",
        "false, NONE,    FAILED,    FAILED",
        "false, CANCEL,  CANCELLED, CANCELLED",
        "false, TIMEOUT, TIMED_OUT, TIMED_OUT",
        "true,  NONE,    COMPLETED, COMPLETED",
        "true,  NONE,    FAILED,    FAILED",
        "true,  CANCEL,  CANCELLED, CANCELLED",
        "true,  TIMEOUT, TIMED_OUT, TIMED_OUT",
    })
    void aJobEnds(boolean progress, String stop, DatacenterJobStatus reported, JobStatus expected) {
        GateScenario gate = new GateScenario("gate-1").datacenter("dc1", 2, 1);
        JobId id = gate.submit(GateJobsTest.JOB, Optional.empty(), new ArrayList<>());
        if (progress) {
            gate.core.onEvent(gate.report(id, "dc1", 1, GateJobsTest.progress("dc1")), GateScenario.NOW);
            assertThat(gate.core.job(id).orElseThrow().status()).isEqualTo(JobStatus.RUNNING);
        }
        if (stop.equals("CANCEL")) {
            gate.core.cancel(id, "test", new ArrayList<>());
        } else if (stop.equals("TIMEOUT")) {
            assertThat(gate.core.tick(GateScenario.NOW + 30_000, List.of("gate-1"), false, Set.of())).isNotEmpty();
        }
        gate.core.onEvent(gate.report(id, "dc1", 1, GateJobsTest.finished("dc1", reported)), GateScenario.NOW);
        assertThat(gate.core.job(id).orElseThrow().status()).isEqualTo(expected);
    }

    /**
     * A job over two datacenters that needs one: dc2 is lost, dc1 is not stopped and completes
     * its part, and the job is PARTIAL; needing both, dc1 is stopped and the job FAILED.
     *
     * @param progress whether dc1 reported progress first (the job is RUNNING)
     */
    @ParameterizedTest
    @CsvSource({
        "false, 1, COMPLETED, PARTIAL",
        "true,  1, COMPLETED, PARTIAL",
        "true,  1, FAILED,    FAILED",
        "true,  2, CANCELLED, FAILED",
        "true,  1, CANCELLED, FAILED",
    })
    void aJobThatLosesADatacenterIsPartialWhenEnoughOthersCompleted(boolean progress, int minDatacenters,
            DatacenterJobStatus dc1Reports, JobStatus expected) {
        GateScenario gate = new GateScenario("gate-1").datacenter("dc1", 2, 1).datacenter("dc2", 2, 1);
        JobId id = gate.submit(GateJobsTest.JOB.replace("timeout: 30s", "timeout: 10m\nminDatacenters: " + minDatacenters),
                Optional.empty(), new ArrayList<>());
        long silent = GateScenario.NOW + GateScenario.SILENCE.toMillis();
        if (progress) {
            gate.core.onEvent(gate.report(id, "dc1", 1, GateJobsTest.progress("dc1")), silent - 1_000);
        } else {
            // Heard from, about the job, with nothing started yet: the job stays SUBMITTED.
            gate.core.onEvent(gate.report(id, "dc1", 1, new io.stampede.model.wire.Payload.DatacenterProgress("dc1",
                    java.util.Map.of("browse", io.stampede.model.lifecycle.WorkflowState.PENDING), java.util.Map.of())),
                    silent - 1_000);
        }

        List<GateJobs.Command> out = gate.core.tick(silent, List.of("gate-1"), false, Set.of());

        assertThat(gate.core.job(id).orElseThrow().datacenterStatus()).containsEntry("dc2", DatacenterJobStatus.LOST);
        boolean stopped = out.stream().anyMatch(command -> command instanceof GateJobs.Publish publish
                && publish.topic().equals(Optional.of(io.stampede.model.Topics.jobs("dc1")))
                && publish.payload() instanceof io.stampede.model.wire.Payload.JobCancelRequested);
        assertThat(stopped).as("dc1 is stopped only when too few datacenters are left").isEqualTo(minDatacenters > 1);
        assertThat(out).as("the lost one is told to stop, in case it was only cut off").contains(new GateJobs.Publish(
                Optional.of(io.stampede.model.Topics.jobs("dc2")), id, 1,
                new io.stampede.model.wire.Payload.JobCancelRequested("datacenter dc2 was given up as lost")));
        gate.core.onEvent(gate.report(id, "dc1", 1, GateJobsTest.finished("dc1", dc1Reports)), silent + 1_000);
        assertThat(gate.core.job(id).orElseThrow().status()).isEqualTo(expected);
    }
}
