package io.stampede.manager.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.stampede.testkit.ManualClock;

class WorkerRegistryTest {

    @Test
    void aWorkerSilentLongerThanTheTimeoutIsGone() {
        ManualClock clock = new ManualClock();
        WorkerRegistry registry = new WorkerRegistry(clock, Duration.ofSeconds(6));

        assertThat(registry.heard("worker-b", 2, 2, "1")).isTrue();
        assertThat(registry.heard("worker-a", 4, 1, "1")).isTrue();
        assertThat(registry.heard("worker-a", 4, 3, "1")).isFalse();
        assertThat(registry.live()).extracting(WorkerRegistry.Worker::id).containsExactly("worker-a", "worker-b");

        clock.advance(Duration.ofSeconds(5));
        registry.heard("worker-a", 4, 3, "1");
        clock.advance(Duration.ofSeconds(2));

        assertThat(registry.expire()).containsExactly("worker-b");
        assertThat(registry.isLive("worker-b")).isFalse();
        assertThat(registry.live()).extracting(WorkerRegistry.Worker::freeCores).containsExactly(3);
        assertThat(registry.expire()).isEmpty();
    }
}
