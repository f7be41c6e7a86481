package io.stampede.manager.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.stampede.testkit.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class WorkerRegistryTest {

    private final ManualClock clock = new ManualClock();
    private final WorkerRegistry registry = new WorkerRegistry(clock);

    @Test
    void aWorkerIsLiveOnlyOnceMembershipHasItUpAndItsCapacityIsKnown() {
        assertThat(registry.heard("worker-a", 4, 1, "1")).as("capacity alone").isFalse();
        assertThat(registry.up("worker-a")).as("then membership").isTrue();
        assertThat(registry.up("worker-b")).as("membership alone").isFalse();
        assertThat(registry.heard("worker-b", 2, 2, "1")).as("then capacity").isTrue();
        assertThat(registry.heard("worker-a", 4, 3, "1")).as("a capacity update").isFalse();

        assertThat(registry.live()).extracting(WorkerRegistry.Worker::id).containsExactly("worker-a", "worker-b");
        assertThat(registry.live()).extracting(WorkerRegistry.Worker::freeCores).containsExactly(3, 2);
    }

    @Test
    void aWorkerMembershipDeclaresGoneIsNoLongerLiveWhateverItsLastHeartbeat() {
        registry.up("worker-a");
        registry.heard("worker-a", 4, 4, "1");
        clock.advance(Duration.ofHours(1));

        assertThat(registry.isLive("worker-a")).as("silence alone does not end a worker").isTrue();
        assertThat(registry.down("worker-a")).as("it was live: its shares have failed").isTrue();
        assertThat(registry.live()).isEmpty();
        assertThat(registry.down("worker-a")).as("a second verdict changes nothing").isFalse();

        registry.heard("worker-a", 4, 4, "1");
        assertThat(registry.isLive("worker-a")).as("a late heartbeat does not revive it").isFalse();
        assertThat(registry.up("worker-a")).as("membership does, once it rejoins").isTrue();
    }
}
