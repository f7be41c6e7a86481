package io.stampede.model.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import io.stampede.model.job.JobSpecParser;
import io.stampede.model.job.Threshold;

class ThresholdsTest {

    private static final long T0 = 1_790_000_000_000L;

    /** A step whose latencies are {@code millis} each recorded {@code times}, all successes unless said. */
    private static StepWindow step(String name, long failed, Map<String, Long> notSent,
            Map<String, StepWindow.CheckTally> checks, long[] millis, int times) {
        Histogram histogram = LatencyHistograms.create();
        for (long ms : millis) {
            histogram.recordValueWithCount(ms * 1000, times);
        }
        long requests = histogram.getTotalCount();
        return new StepWindow(name, requests, requests - failed, failed == 0 ? Map.of() : Map.of("http_5xx", failed),
                0, 0, checks, LatencyHistograms.encode(histogram), notSent);
    }

    private static long[] oneTo(long last) {
        long[] values = new long[(int) last];
        for (int i = 0; i < last; i++) {
            values[i] = i + 1;
        }
        return values;
    }

    private static List<Thresholds.Verdict> verdicts(String thresholds, JobStatistics statistics) {
        String job = """
                name: t
                workflows:
                  - name: browse
                    vus: 1
                    duration: 1s
                    steps:
                      - {name: home, request: {url: "http://localhost/"}}
                      - {name: search, request: {url: "http://localhost/s"}}
                  - name: buy
                    vus: 1
                    duration: 1s
                    steps:
                      - {name: pay, request: {url: "http://localhost/p"}}
                thresholds:
                """ + thresholds;
        return statistics.verdicts(JobSpecParser.parse(job).thresholds());
    }

    /**
     * Two datacenters: dc1 answered 1..1000 ms once each, dc2 answered 20 requests in 5 s. The
     * merged p99 is 5 s; a p99 taken per datacenter and averaged would be about 3 s, and dc1's
     * alone under 1 s.
     */
    private static JobStatistics twoDatacenters() {
        JobStatistics statistics = new JobStatistics(List.of("dc1", "dc2"), List.of("browse", "buy"));
        statistics.onFinished("dc1", Map.of("browse", new WorkflowWindow("browse", T0, T0 + 10_000, 1000, 0, 1,
                List.of(step("home", 0, Map.of(), Map.of(), oneTo(1000), 1)))));
        statistics.onFinished("dc2", Map.of("browse", new WorkflowWindow("browse", T0, T0 + 10_000, 20, 0, 1,
                List.of(step("home", 0, Map.of(), Map.of(), new long[] {5000}, 20)))));
        return statistics;
    }

    @Test
    void latencyThresholdsAreJudgedOnTheMergedHistogramNotOnEachDatacentersPercentiles() {
        List<Thresholds.Verdict> verdicts = verdicts("""
                  - {metric: p99, below: 1s}
                  - {metric: p50, below: 600ms, workflow: browse, step: home}
                  - {metric: max, below: 5.1s, workflow: browse}
                """, twoDatacenters());

        assertThat(verdicts.get(0).status()).isEqualTo(Thresholds.Status.FAILED);
        assertThat(verdicts.get(0).value()).isCloseTo(5000, within(5000 * 0.001));
        assertThat(verdicts.get(0).description()).isEqualTo("p99 below 1000ms (job)");
        // 1020 values: the 510th is 510 ms.
        assertThat(verdicts.get(1).status()).isEqualTo(Thresholds.Status.PASSED);
        assertThat(verdicts.get(1).value()).isCloseTo(510, within(510 * 0.001));
        assertThat(verdicts.get(2).status()).isEqualTo(Thresholds.Status.PASSED);
        assertThat(verdicts.get(2).scope()).isEqualTo("browse");
    }

    @Test
    void errorRateCountsFailedAndUnsentRequestsOverEveryAttempt() {
        JobStatistics statistics = new JobStatistics(List.of("dc1"), List.of("browse", "buy"));
        statistics.onFinished("dc1", Map.of(
                "browse", new WorkflowWindow("browse", T0, T0 + 1000, 10, 0, 1, List.of(
                        step("home", 3, Map.of(), Map.of(), oneTo(90), 1),
                        step("search", 0, Map.of("missing_variable:q", 10L), Map.of(), new long[0], 0))),
                "buy", new WorkflowWindow("buy", T0, T0 + 1000, 10, 0, 1, List.of(
                        step("pay", 0, Map.of(), Map.of(), new long[] {5}, 100)))));

        List<Thresholds.Verdict> verdicts = verdicts("""
                  - {metric: errorRate, below: 5%}
                  - {metric: errorRate, below: 0.1, workflow: browse}
                  - {metric: errorRate, below: 1%, workflow: buy}
                """, statistics);

        // (3 failed + 10 unsent) of (190 sent + 10 unsent).
        assertThat(verdicts.get(0).value()).isCloseTo(13 / 200.0, within(1e-12));
        assertThat(verdicts.get(0).status()).isEqualTo(Thresholds.Status.FAILED);
        assertThat(verdicts.get(0).valueText()).isEqualTo("6.5%");
        assertThat(verdicts.get(1).value()).isCloseTo(13 / 100.0, within(1e-12));
        assertThat(verdicts.get(1).status()).isEqualTo(Thresholds.Status.FAILED);
        assertThat(verdicts.get(2).value()).isZero();
        assertThat(verdicts.get(2).status()).isEqualTo(Thresholds.Status.PASSED);
    }

    @Test
    void checksRatesAndDroppedIterations() {
        JobStatistics statistics = new JobStatistics(List.of("dc1", "dc2"), List.of("browse", "buy"));
        Map<String, StepWindow.CheckTally> checks = new LinkedHashMap<>();
        checks.put("status", new StepWindow.CheckTally(95, 5));
        checks.put("body", new StepWindow.CheckTally(100, 0));
        // dc1 ran browse for 10 s at 10/s and dc2 for 5 s at 10/s, apart: 20/s together.
        statistics.onFinished("dc1", Map.of("browse", new WorkflowWindow("browse", T0, T0 + 10_000, 100, 7, 1,
                List.of(step("home", 0, Map.of(), checks, new long[] {1}, 100)))));
        statistics.onFinished("dc2", Map.of("browse", new WorkflowWindow("browse", T0 + 3_000, T0 + 8_000, 50, 0, 1,
                List.of(step("home", 0, Map.of(), Map.of(), new long[] {1}, 50)))));

        List<Thresholds.Verdict> verdicts = verdicts("""
                  - {metric: failedChecksRate, below: 1%}
                  - {metric: requestsPerSecond, above: 19, workflow: browse, step: home}
                  - {metric: requestsPerSecond, above: "16/s"}
                  - {metric: droppedIterations, below: 1, workflow: browse}
                  - {metric: p99, below: 1s, workflow: buy}
                """, statistics);

        assertThat(verdicts.get(0).value()).isCloseTo(5 / 200.0, within(1e-12));
        assertThat(verdicts.get(0).status()).isEqualTo(Thresholds.Status.FAILED);
        assertThat(verdicts.get(1).value()).isCloseTo(20, within(1e-9));
        assertThat(verdicts.get(1).status()).isEqualTo(Thresholds.Status.PASSED);
        // The whole job: 150 requests over the 10 s from the first start to the last end.
        assertThat(verdicts.get(2).value()).isCloseTo(15, within(1e-9));
        assertThat(verdicts.get(2).status()).isEqualTo(Thresholds.Status.FAILED);
        assertThat(verdicts.get(3).value()).isEqualTo(7.0);
        assertThat(verdicts.get(3).status()).isEqualTo(Thresholds.Status.FAILED);
        assertThat(verdicts.get(4).status()).isEqualTo(Thresholds.Status.NO_DATA);
        assertThat(verdicts.get(4).valueText()).isEqualTo("no data");
        assertThat(Thresholds.anyFailed(verdicts)).isTrue();
    }

    @Test
    void liveVerdictsComeFromTheRunningTotals() {
        JobStatistics statistics = new JobStatistics(List.of("dc1"), List.of("browse", "buy"));
        statistics.onProgress("dc1", Map.of("browse", List.of(new WorkflowWindow("browse", T0, T0 + 1000, 10, 0, 1,
                List.of(step("home", 0, Map.of(), Map.of(), new long[] {200}, 10))))));
        assertThat(verdicts("  - {metric: p95, below: 300ms}\n", statistics).get(0).status())
                .isEqualTo(Thresholds.Status.PASSED);

        statistics.onProgress("dc1", Map.of("browse", List.of(new WorkflowWindow("browse", T0 + 1000, T0 + 2000, 10, 0,
                1, List.of(step("home", 0, Map.of(), Map.of(), new long[] {900}, 10))))));
        assertThat(verdicts("  - {metric: p95, below: 300ms}\n", statistics).get(0).status())
                .isEqualTo(Thresholds.Status.FAILED);
    }

    @Test
    void boundsAreStrictAndLimitsReadAsWritten() {
        Threshold below = JobSpecParser.parse("""
                name: t
                workflows: [{name: w, vus: 1, duration: 1s, steps: [{name: s, request: {url: "http://x/"}}]}]
                thresholds: [{metric: p99, below: 1.5s}, {metric: errorRate, above: "0.5%"}, {metric: mean, below: 20}]
                """).thresholds().get(0);
        assertThat(below.limit()).isEqualTo(1500.0);
        assertThat(below.passes(1499.9)).isTrue();
        assertThat(below.passes(1500)).isFalse();
        assertThat(below.limitText()).isEqualTo("1500ms");
    }
}
