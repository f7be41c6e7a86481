package io.stampede.gate.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Singleton;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.stampede.model.JobId;
import io.stampede.model.stats.LatencySummary;
import io.stampede.model.stats.StepWindow;
import io.stampede.model.stats.WorkflowWindow;

/**
 * Every job's results as Prometheus metrics, exported by the gate that owns the job, so that they
 * can be graphed next to the system under test (docs/reports.md#metrics):
 * <ul>
 * <li>{@code stampede_requests_total{stampede_job,workflow,step,datacenter,outcome}}: requests that
 * succeeded, failed, or were never sent ({@code success}, {@code failure}, {@code not_sent});</li>
 * <li>{@code stampede_request_latency_seconds{stampede_job,workflow,step,datacenter,quantile}}: the p50,
 * p90, p99 and max of the latest second's requests (a summary of each second, not of the run),
 * while the job runs;</li>
 * <li>{@code stampede_active_vus{stampede_job,workflow,datacenter}}: virtual users running, while
 * the job runs;</li>
 * <li>{@code stampede_iterations_dropped_total{stampede_job,workflow,datacenter}}.</li>
 * </ul>
 * Counts come from the same windows as the job's series, each once, and only the job's owning
 * gate exports them (every gate follows every job): after a failover the new owner's counters
 * start where it took over, so graph rates, summed over the gates. Cardinality is bounded: the
 * series of at most {@value #MAX_JOBS} jobs are exported at once (a newer job's push out the
 * oldest's), and a job's are removed when the gate releases the job, its retention over.
 */
@Singleton
public class JobMetrics {

    /**
     * The label naming the job. Not {@code job}: Prometheus sets that label itself to the scrape
     * job's name, and would rename ours to {@code exported_job}.
     */
    public static final String JOB = "stampede_job";
    /** Jobs whose series are exported at once. */
    public static final int MAX_JOBS = 50;
    private static final double[] QUANTILES = {0.5, 0.9, 0.99, 1.0};

    private final MeterRegistry registry;
    /** Each exported job's meters, oldest job first. */
    private final Map<JobId, JobMeters> jobs = new LinkedHashMap<>();

    public JobMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** One job's meters and the values its gauges read. */
    private final class JobMeters {
        final String job;
        final List<Meter> meters = new ArrayList<>();
        final List<Meter> gaugeMeters = new ArrayList<>();
        final Map<String, Counter> counters = new LinkedHashMap<>();
        final Map<String, Value> gauges = new LinkedHashMap<>();
        /** Whether the job has ended: its gauges are gone and come back no more. */
        boolean ended;

        JobMeters(JobId id) {
            this.job = id.value();
        }

        void count(String name, Tags tags, long amount) {
            if (amount <= 0) {
                return;
            }
            Counter counter = counters.computeIfAbsent(name + tags, key -> {
                Counter created = Counter.builder(name).tags(tags.and(JOB, job)).register(registry);
                meters.add(created);
                return created;
            });
            counter.increment(amount);
        }

        void set(String name, Tags tags, double value) {
            if (ended) {
                return;
            }
            gauges.computeIfAbsent(name + tags, key -> {
                Value holder = new Value();
                Gauge gauge = Gauge.builder(name, holder, Value::get).tags(tags.and(JOB, job)).register(registry);
                meters.add(gauge);
                gaugeMeters.add(gauge);
                return holder;
            }).value = value;
        }
    }

    /** A datacenter's new windows of a job, per workflow, as its series took them. */
    public synchronized void record(JobId job, String datacenter, Map<String, List<WorkflowWindow>> windows) {
        JobMeters meters = jobs.get(job);
        if (meters == null) {
            while (jobs.size() >= MAX_JOBS) {
                forget(jobs.keySet().iterator().next());
            }
            meters = new JobMeters(job);
            jobs.put(job, meters);
        }
        for (Map.Entry<String, List<WorkflowWindow>> workflow : windows.entrySet()) {
            Tags where = Tags.of("workflow", workflow.getKey(), "datacenter", datacenter);
            WorkflowWindow latest = null;
            for (WorkflowWindow window : workflow.getValue()) {
                meters.count("stampede.iterations.dropped", where, window.droppedIterations());
                for (StepWindow step : window.steps()) {
                    Tags tags = where.and("step", step.step());
                    meters.count("stampede.requests", tags.and("outcome", "success"), step.successes());
                    meters.count("stampede.requests", tags.and("outcome", "failure"), step.failed());
                    meters.count("stampede.requests", tags.and("outcome", "not_sent"), step.unsent());
                }
                if (latest == null || window.startMillis() >= latest.startMillis()) {
                    latest = window;
                }
            }
            if (latest == null) {
                continue;
            }
            meters.set("stampede.active.vus", where, latest.activeVus());
            for (StepWindow step : latest.steps()) {
                LatencySummary latency = LatencySummary.of(step.latency());
                double[] values = {latency.p50(), latency.p90(), latency.p99(), latency.max()};
                for (int i = 0; i < QUANTILES.length; i++) {
                    meters.set("stampede.request.latency.seconds", where.and("step", step.step())
                            .and("quantile", QUANTILES[i] == 1.0 ? "1" : Double.toString(QUANTILES[i])), values[i] / 1000);
                }
            }
        }
    }

    /** The job has ended: its gauges (active users, the latest second's latency) are removed; its counters stay. */
    public synchronized void ended(JobId job) {
        JobMeters meters = jobs.get(job);
        if (meters != null && !meters.ended) {
            meters.ended = true;
            meters.gaugeMeters.forEach(registry::remove);
            meters.meters.removeAll(meters.gaugeMeters);
            meters.gaugeMeters.clear();
            meters.gauges.clear();
        }
    }

    /** Removes a job's series: the gate released the job, no longer owns it, or newer jobs pushed it out. */
    public synchronized void forget(JobId job) {
        JobMeters meters = jobs.remove(job);
        if (meters != null) {
            meters.meters.forEach(registry::remove);
        }
    }

    /** Jobs exported now. */
    public synchronized int exported() {
        return jobs.size();
    }

    /** What a gauge reads: written by the records' thread, read by the scrape's. */
    private static final class Value {
        volatile double value;

        double get() {
            return value;
        }
    }
}
