package io.stampede.node.jobs;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.stampede.cluster.jobs.JobLedger;
import io.stampede.node.config.NodeConfig;

/** The job ledger's limits as configured under {@code stampede.jobs.*}, and their checks. */
public final class LedgerSettings {

    private LedgerSettings() {
    }

    /** Every problem with the settings, each as {@code key: what is wrong}. */
    public static List<String> problems(NodeConfig.Jobs jobs) {
        List<String> problems = new ArrayList<>();
        if (jobs.retention().isNegative()) {
            problems.add("stampede.jobs.retention: must not be negative");
        }
        if (jobs.tombstoneAge().isNegative()) {
            problems.add("stampede.jobs.tombstone-age: must not be negative");
        }
        if (jobs.maxFinished() < 0) {
            problems.add("stampede.jobs.max-finished: must not be negative");
        }
        if (jobs.maxJobs() < 1) {
            problems.add("stampede.jobs.max-jobs: must be at least 1");
        }
        if (jobs.tombstones() < 0) {
            problems.add("stampede.jobs.tombstones: must not be negative");
        }
        if (jobs.datacenterSilence().compareTo(Duration.ofSeconds(3)) < 0) {
            problems.add("stampede.jobs.datacenter-silence: must be at least 3s (datacenters report every second)");
        }
        if (jobs.workerSilence().compareTo(Duration.ofSeconds(5)) < 0) {
            problems.add("stampede.jobs.worker-silence: must be at least 5s (workers send a heartbeat every 2 s)");
        }
        if (jobs.stuckAfter().compareTo(Duration.ofSeconds(3)) < 0) {
            problems.add("stampede.jobs.stuck-after: must be at least 3s");
        }
        if (jobs.queueLimit().isNegative()) {
            problems.add("stampede.jobs.queue-limit: must not be negative");
        }
        if (!(jobs.maxErrorRate() > 0 && jobs.maxErrorRate() <= 1)) {
            problems.add("stampede.jobs.max-error-rate: must be above 0 and at most 1 (a fraction: 0.1 is 10 %)");
        }
        return problems;
    }

    /** The limits; call only when {@link #problems} found none. */
    public static JobLedger.Limits limits(NodeConfig.Jobs jobs) {
        return new JobLedger.Limits(jobs.retention(), jobs.maxFinished(), jobs.maxJobs(), jobs.tombstones(),
                jobs.tombstoneAge());
    }
}
