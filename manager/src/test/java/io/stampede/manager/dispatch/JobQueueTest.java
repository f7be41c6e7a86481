package io.stampede.manager.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

class JobQueueTest {

    static final Duration LIMIT = Duration.ofSeconds(60);
    static final List<WorkerRegistry.Worker> FULL = List.of(new WorkerRegistry.Worker("w1", 2, 0, "1", 0, Instant.EPOCH),
            new WorkerRegistry.Worker("w2", 2, 0, "1", 0, Instant.EPOCH));
    static final List<WorkerRegistry.Worker> ONE_FREE = List.of(
            new WorkerRegistry.Worker("w1", 2, 0, "1", 0, Instant.EPOCH),
            new WorkerRegistry.Worker("w2", 2, 1, "1", 0, Instant.EPOCH));

    @Test
    void aJobWaitsOnlyForAGateThatKnowsTheQueuedStatus() {
        java.util.Set<String> own = io.stampede.model.wire.Capabilities.CURRENT;
        assertThat(JobQueue.mayWaitFor(own, io.stampede.model.wire.Capabilities.told(List.of(),
                new io.stampede.model.wire.ProtocolVersion(4, 2)))).as("a 4.2 gate knows QUEUED").isTrue();
        assertThat(JobQueue.mayWaitFor(own, io.stampede.model.wire.Capabilities.told(List.of(),
                new io.stampede.model.wire.ProtocolVersion(4, 1)))).as("a 4.1 gate does not").isFalse();
        assertThat(JobQueue.mayWaitFor(own, java.util.Set.of("probe"))).as("a gate that told it lacks it").isFalse();
        assertThat(JobQueue.mayWaitFor(java.util.Set.of("probe"), own)).as("nor a manager without it").isFalse();
    }

    @Test
    void aJobWaitsOnlyWhenEveryWorkerIsBusyWithOtherJobsOrOthersWaitAlready() {
        assertThat(JobQueue.mustWait(true, LIMIT, FULL, true, false)).isTrue();
        assertThat(JobQueue.mustWait(true, LIMIT, ONE_FREE, true, false)).as("a core is free").isFalse();
        assertThat(JobQueue.mustWait(true, LIMIT, FULL, false, false)).as("no other job runs: the cores are"
                + " taken by shares about to end, or the figures are stale").isFalse();
        assertThat(JobQueue.mustWait(true, LIMIT, List.of(), true, false)).as("no worker and none waiting: it starts"
                + " (and fails, saying so)").isFalse();
        assertThat(JobQueue.mustWait(true, LIMIT, ONE_FREE, true, true)).as("first come, first started").isTrue();
        assertThat(JobQueue.mustWait(false, LIMIT, FULL, true, true)).as("nothing to run here").isFalse();
        assertThat(JobQueue.mustWait(true, Duration.ZERO, FULL, true, true)).as("waiting switched off").isFalse();
    }

    @Test
    void theOldestStartsWhenACoreIsFreeAndEveryJobPastTheLimitStartsAnyway() {
        List<JobQueue.Waiting<String>> waiting = List.of(new JobQueue.Waiting<>("b", 2_000),
                new JobQueue.Waiting<>("a", 1_000), new JobQueue.Waiting<>("c", 3_000));
        assertThat(JobQueue.toStart(waiting, false, 10_000, LIMIT)).isEmpty();
        assertThat(JobQueue.toStart(waiting, true, 10_000, LIMIT)).containsExactly("a");
        assertThat(JobQueue.toStart(waiting, false, 62_000, LIMIT)).as("a and b have waited 60 s")
                .containsExactly("a", "b");
        assertThat(JobQueue.toStart(waiting, true, 61_000, LIMIT)).as("a by the limit, b by the free core")
                .containsExactly("a", "b");
    }
}
