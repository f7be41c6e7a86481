package io.stampede.node.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.stampede.cluster.jobs.JobLedger;
import io.stampede.node.config.NodeConfig;

class LedgerSettingsTest {

    record Jobs(Duration retention, int maxFinished, int maxJobs, int tombstones, Duration tombstoneAge,
            Duration datacenterSilence, Duration workerSilence, Duration stuckAfter, Duration queueLimit,
            double maxErrorRate)
            implements NodeConfig.Jobs {
    }

    @Test
    void theDefaultsAreTheLedgersDefaults() {
        Jobs defaults = new Jobs(Duration.ofMinutes(10), 1_000, 10_000, 100_000, Duration.ofHours(24),
                Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(180), Duration.ofSeconds(60), 0.1);
        assertThat(LedgerSettings.problems(defaults)).isEmpty();
        assertThat(LedgerSettings.limits(defaults)).isEqualTo(JobLedger.Limits.DEFAULT);
    }

    @Test
    void everyBadValueIsNamedByItsKey() {
        assertThat(LedgerSettings.problems(new Jobs(Duration.ofSeconds(-1), -1, 0, -1, Duration.ofSeconds(-1),
                Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(1), Duration.ofSeconds(-1), 0)))
                .containsExactly("stampede.jobs.retention: must not be negative",
                        "stampede.jobs.tombstone-age: must not be negative",
                        "stampede.jobs.max-finished: must not be negative",
                        "stampede.jobs.max-jobs: must be at least 1",
                        "stampede.jobs.tombstones: must not be negative",
                        "stampede.jobs.datacenter-silence: must be at least 3s (datacenters report every second)",
                        "stampede.jobs.worker-silence: must be at least 5s (workers send a heartbeat every 2 s)",
                        "stampede.jobs.stuck-after: must be at least 3s",
                        "stampede.jobs.queue-limit: must not be negative",
                        "stampede.jobs.max-error-rate: must be above 0 and at most 1 (a fraction: 0.1 is 10 %)");
    }
}
