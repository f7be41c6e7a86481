package io.stampede.model.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import io.stampede.model.job.WorkflowSpec;

class JobSeriesTest {

    private static final long T0 = 1_790_000_000_000L;

    /** One second of a workflow with {@code requests} requests of {@code millis} each in step "get", and a "put" step. */
    private static WorkflowWindow second(long second, long requests, long millis, long vus) {
        return window(T0 + second * 1000, T0 + second * 1000 + 1000, requests, millis, vus);
    }

    private static WorkflowWindow window(long start, long end, long requests, long millis, long vus) {
        Histogram latency = LatencyHistograms.create();
        latency.recordValueWithCount(millis * 1000, requests);
        return new WorkflowWindow("w", start, end, requests, 0, vus, List.of(
                new StepWindow("get", requests, requests, Map.of(), 0, 0, Map.of(), LatencyHistograms.encode(latency)),
                new StepWindow("put", 1, 0, Map.of("http_5xx", 1L), 0, 0, Map.of(),
                        LatencyHistograms.encode(LatencyHistograms.create()))));
    }

    private static List<JobSeries.Point> points(JobSeries series, String datacenter, long resolution, long since) {
        return series.series(Optional.empty(), Optional.of("get"), datacenter, resolution, since).get(0).points();
    }

    @Test
    void eachPointHasItsOwnPercentilesAndRateAndDatacentersMergeSideBySide() {
        JobSeries series = new JobSeries();
        for (long s = 0; s < 5; s++) {
            series.add("dc1", Map.of("w", List.of(second(s, 10, s == 3 ? 900 : 10, 2))));
            series.add("dc2", Map.of("w", List.of(second(s, 30, 20, 3))));
        }

        List<JobSeries.Point> all = points(series, JobSeries.ALL, 1000, 0);

        assertThat(all).hasSize(5).allSatisfy(point -> {
            assertThat(point.seconds()).isEqualTo(1.0);
            assertThat(point.activeVus()).as("side by side: added").isEqualTo(5);
            assertThat(point.steps()).singleElement().satisfies(step -> {
                assertThat(step.requests()).isEqualTo(40);
                assertThat(step.requestsPerSecond()).isCloseTo(40, within(1e-9));
            });
        });
        // The spike is in its own second only: p90 of 40 requests of which 10 took 900 ms.
        assertThat(all.get(3).steps().get(0).latencyMs().p90()).isCloseTo(900, within(1.0));
        assertThat(all.get(4).steps().get(0).latencyMs().p90()).isCloseTo(20, within(0.1));
        assertThat(points(series, "dc1", 1000, 0).get(2).steps().get(0).requests()).isEqualTo(10);
        assertThat(series.series(Optional.of("w"), Optional.empty(), "dc2", 1000, 0).get(0).points().get(0).steps())
                .extracting(JobSeries.StepPoint::step, JobSeries.StepPoint::failed)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("get", 0L), org.assertj.core.groups.Tuple.tuple("put", 1L));
    }

    @Test
    void aCoarserResolutionAddsSecondsAndKeepsThePeakOfVirtualUsersAndSinceSkipsWhatWasSeen() {
        JobSeries series = new JobSeries();
        for (long s = 0; s < 6; s++) {
            series.add("dc1", Map.of("w", List.of(second(s, 10 + s, 10, s == 2 ? 7 : 1))));
        }

        List<JobSeries.Point> twoSeconds = points(series, JobSeries.ALL, 2000, 0);

        assertThat(twoSeconds).extracting(point -> point.steps().get(0).requests()).containsExactly(21L, 25L, 29L);
        assertThat(twoSeconds).extracting(JobSeries.Point::activeVus).containsExactly(1L, 7L, 1L);
        assertThat(twoSeconds.get(1).steps().get(0).requestsPerSecond()).isCloseTo(12.5, within(1e-9));
        assertThat(points(series, JobSeries.ALL, 1000, T0 + 4000)).extracting(JobSeries.Point::startMillis)
                .containsExactly(T0 + 4000, T0 + 5000);
    }

    @Test
    void windowsOfSeveralSecondsUnderBackpressureSpreadTheirRateOverTheSecondsTheyCover() {
        JobSeries series = new JobSeries();
        for (long s = 0; s < 6; s++) {
            series.add("dc1", Map.of("w", List.of(second(s, 10, 10, 1))));
            if (s % 2 == 0) {
                series.add("dc2", Map.of("w", List.of(window(T0 + s * 1000, T0 + s * 1000 + 2000, 20, 10, 1))));
            }
        }

        List<JobSeries.Point> all = points(series, JobSeries.ALL, 1000, 0);

        assertThat(all).extracting(point -> point.steps().get(0).requestsPerSecond()).containsOnly(20.0);
        assertThat(all).extracting(JobSeries.Point::iterationsPerSecond).containsOnly(20.0);
        assertThat(all).extracting(point -> point.steps().get(0).requests()).as("counts where windows start")
                .containsExactly(30L, 10L, 30L, 10L, 30L, 10L);
    }

    @Test
    void aPartialFirstSecondGivesItsRateOverTheTimeItCovers() {
        JobSeries series = new JobSeries();
        series.add("dc1", Map.of("w", List.of(window(T0 + 750, T0 + 1000, 5, 10, 1), second(1, 20, 10, 1))));

        assertThat(points(series, JobSeries.ALL, 1000, 0)).extracting(point -> point.steps().get(0).requestsPerSecond())
                .containsExactly(20.0, 20.0);
    }

    @Test
    void pastItsBoundASeriesDoublesItsResolutionAndStillCountsEveryRequest() {
        JobSeries series = new JobSeries(4, Integer.MAX_VALUE);
        long requests = 0;
        for (long s = 0; s < 10; s++) {
            series.add("dc1", Map.of("w", List.of(second(s, s + 1, 10, 1))));
            requests += s + 1;
        }

        JobSeries.Series kept = series.series(Optional.empty(), Optional.of("get"), JobSeries.ALL, 1000, 0).get(0);

        assertThat(kept.resolutionMillis()).isEqualTo(4000);
        assertThat(series.size()).isEqualTo(3);
        assertThat(kept.points().stream().mapToLong(point -> point.steps().get(0).requests()).sum()).isEqualTo(requests);
    }

    @Test
    void aJobKeepsAtMostItsBudgetOfPointsByCoarseningItsLargestSeriesAndLeavesOutWindowsNoWorkerSends() {
        JobSeries series = new JobSeries(1000, 12);
        for (long s = 0; s < 10; s++) {
            series.add("dc1", Map.of("w", List.of(second(s, 1, 10, 1))));
            series.add("dc2", Map.of("w", List.of(second(s, 1, 10, 1))));
        }
        series.add("dc1", Map.of("w", List.of(window(0, T0, 1, 10, 1))));

        assertThat(series.size()).isLessThanOrEqualTo(12);
        assertThat(series.skipped()).as("a window from the epoch: not one a worker sends").isEqualTo(1);
        assertThat(points(series, JobSeries.ALL, 1000, 0).stream().mapToLong(point -> point.steps().get(0).requests())
                .sum()).as("every request still counted").isEqualTo(20);
    }

    @Test
    void failuresAndDropsAreSpreadLikeRequests() {
        JobSeries series = new JobSeries();
        series.add("dc1", Map.of("w", List.of(new WorkflowWindow("w", T0, T0 + 2000, 8, 4, 1, List.of(
                new StepWindow("get", 8, 4, Map.of("timeout", 4L), 0, 0, Map.of(),
                        LatencyHistograms.encode(LatencyHistograms.create()), Map.of("invalid_url", 2L)))))));

        List<JobSeries.Point> all = series.series(Optional.empty(), Optional.empty(), JobSeries.ALL, 1000, 0).get(0).points();

        assertThat(all).extracting(JobSeries.Point::droppedPerSecond).containsExactly(2.0, 2.0);
        assertThat(all).extracting(point -> point.steps().get(0).failuresPerSecond().get("timeout")).containsExactly(2.0, 2.0);
        assertThat(all).extracting(point -> point.steps().get(0).notSentPerSecond()).containsExactly(1.0, 1.0);
        assertThat(all.get(0).steps().get(0).failures()).containsEntry("timeout", 4L);
        assertThat(all.get(1).steps().get(0).failures()).as("counts stay where the window starts").isEmpty();
    }

    @Test
    void aCopyIsReadWhileTheSeriesGoesOn() {
        JobSeries series = new JobSeries();
        series.add("dc1", Map.of("w", List.of(second(0, 10, 10, 1))));
        JobSeries copy = series.copy(Optional.of("w"));

        series.add("dc1", Map.of("w", List.of(second(0, 10, 10, 1), second(1, 10, 10, 1))));

        assertThat(points(copy, JobSeries.ALL, 1000, 0)).singleElement()
                .satisfies(point -> assertThat(point.steps().get(0).requests()).isEqualTo(10));
        assertThat(points(series, JobSeries.ALL, 1000, 0)).hasSize(2);
    }

    @Test
    void anOpenModelsPointsCarryTheRateItsScheduleAskedOfEachDatacenterFromItsOwnStart() {
        WorkflowSpec.Open ramp = new WorkflowSpec.Open(50, List.of(new WorkflowSpec.Stage(Duration.ofSeconds(5), 150),
                new WorkflowSpec.Stage(Duration.ofSeconds(10), 150)), 100);
        JobSeries series = new JobSeries();
        for (long s = 0; s < 6; s++) {
            series.add("dc1", Map.of("w", List.of(second(s, 10, 10, 1))));
            if (s >= 1) {
                series.add("dc2", Map.of("w", List.of(second(s, 10, 10, 1)))); // a second later
            }
        }
        Map<String, Map<String, Double>> shares = Map.of("w", Map.of("dc1", 0.75, "dc2", 0.25));

        List<JobSeries.Point> all = series.series(Optional.empty(), Optional.empty(), JobSeries.ALL, 1000, 0,
                Map.of("w", ramp), shares).get(0).points();
        List<JobSeries.Point> dc2 = series.series(Optional.empty(), Optional.empty(), "dc2", 1000, 0,
                Map.of("w", ramp), shares).get(0).points();

        // Mid-second rates of a ramp from 50 to 150 over 5 s are 60, 80, …; dc2's quarter runs a second behind.
        assertThat(all).extracting(JobSeries.Point::targetRate).containsExactly(0.75 * 60, 0.75 * 80 + 0.25 * 60,
                0.75 * 100 + 0.25 * 80, 0.75 * 120 + 0.25 * 100, 0.75 * 140 + 0.25 * 120, 0.75 * 150 + 0.25 * 140);
        assertThat(dc2).extracting(JobSeries.Point::targetRate).containsExactly(15.0, 20.0, 25.0, 30.0, 35.0);
        assertThat(series.series(Optional.empty(), Optional.empty(), JobSeries.ALL, 1000, 0).get(0).points().get(0)
                .targetRate()).as("a closed model has none").isNull();
        assertThat(ramp.rateAt(-1)).isZero();
        assertThat(ramp.rateAt(16)).isZero();
    }
}
