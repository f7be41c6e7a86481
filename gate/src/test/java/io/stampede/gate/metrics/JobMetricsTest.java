package io.stampede.gate.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.stampede.model.JobId;
import io.stampede.model.stats.LatencyHistograms;
import io.stampede.model.stats.StepWindow;
import io.stampede.model.stats.WorkflowWindow;

class JobMetricsTest {

    private static final long T0 = 1_790_000_000_000L;

    private static WorkflowWindow second(long second, long ok, long failed, long millis) {
        Histogram latency = LatencyHistograms.create();
        latency.recordValueWithCount(millis * 1000, ok + failed);
        return new WorkflowWindow("browse", T0 + second * 1000, T0 + second * 1000 + 1000, ok + failed, 2, 7,
                List.of(new StepWindow("home", ok + failed, ok, failed == 0 ? Map.of() : Map.of("http_5xx", failed), 0, 0,
                        Map.of(), LatencyHistograms.encode(latency), Map.of("invalid_url", 1L))));
    }

    private static double requests(SimpleMeterRegistry registry, String job, String outcome) {
        var counter = registry.find("stampede.requests").tags(JobMetrics.JOB, job, "outcome", outcome, "step", "home",
                "workflow", "browse", "datacenter", "dc1").counter();
        return counter == null ? -1 : counter.count();
    }

    @Test
    void everyWindowCountsOnceByOutcomeAndTheGaugesShowTheLatestSecond() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        JobMetrics metrics = new JobMetrics(registry);
        JobId job = JobId.of("job-0123456789ab");

        metrics.record(job, "dc1", Map.of("browse", List.of(second(0, 10, 1, 20), second(1, 20, 0, 900))));
        metrics.record(job, "dc1", Map.of("browse", List.of(second(2, 5, 0, 40))));

        assertThat(requests(registry, job.value(), "success")).isEqualTo(35);
        assertThat(requests(registry, job.value(), "failure")).isEqualTo(1);
        assertThat(requests(registry, job.value(), "not_sent")).isEqualTo(3);
        assertThat(registry.find("stampede.iterations.dropped").tag(JobMetrics.JOB, job.value()).counter().count()).isEqualTo(6);
        assertThat(registry.find("stampede.active.vus").tag(JobMetrics.JOB, job.value()).gauge().value()).isEqualTo(7);
        assertThat(registry.find("stampede.request.latency.seconds").tags(JobMetrics.JOB, job.value(), "quantile", "0.99")
                .gauge().value()).as("the latest second's, not the run's").isCloseTo(0.040, within(0.0001));

        metrics.ended(job);
        metrics.record(job, "dc1", Map.of("browse", List.of(second(3, 1, 0, 40))));

        assertThat(registry.find("stampede.active.vus").gauges()).as("an ended job's gauges are gone").isEmpty();
        assertThat(registry.find("stampede.request.latency.seconds").gauges()).isEmpty();
        assertThat(requests(registry, job.value(), "success")).as("its counters stay, its last windows counted")
                .isEqualTo(36);
    }

    @Test
    void aJobsSeriesGoWhenItIsForgottenAndTheOldestGoWhenTooManyJobsAreExported() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        JobMetrics metrics = new JobMetrics(registry);
        JobId first = JobId.of("job-000000000000");
        metrics.record(first, "dc1", Map.of("browse", List.of(second(0, 1, 0, 1))));

        metrics.forget(first);

        assertThat(registry.getMeters()).isEmpty();
        for (int i = 0; i <= JobMetrics.MAX_JOBS; i++) {
            metrics.record(JobId.of(String.format("job-%012x", i + 1)), "dc1", Map.of("browse", List.of(second(0, 1, 0, 1))));
        }
        assertThat(metrics.exported()).isEqualTo(JobMetrics.MAX_JOBS);
        assertThat(requests(registry, "job-000000000001", "success")).as("the oldest, pushed out").isEqualTo(-1);
        assertThat(requests(registry, String.format("job-%012x", JobMetrics.MAX_JOBS + 1), "success")).isEqualTo(1);
    }
}
