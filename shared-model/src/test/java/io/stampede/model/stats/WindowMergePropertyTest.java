package io.stampede.model.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.HdrHistogram.Histogram;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Merging is exact: however a recording is cut into windows, and in whatever groups they are
 * merged, the result equals recording everything in one window.
 */
class WindowMergePropertyTest {

    /** One request as a recorder would see it. */
    record Request(long latencyMicros, String failure, long sent, long received, boolean checkPassed) {
    }

    @Provide
    Arbitrary<List<Request>> recordings() {
        Arbitrary<Long> latency = Arbitraries.oneOf(Arbitraries.longs().between(1, 2_000_000),
                Arbitraries.longs().between(1, 90_000_000));
        Arbitrary<String> failure = Arbitraries.of("", "", "", "http_5xx", "timeout", "check:status 200");
        Arbitrary<Long> bytes = Arbitraries.longs().between(0, 10_000);
        Arbitrary<Request> request = Combinators.combine(latency, failure, bytes, bytes, Arbitraries.of(true, false))
                .as(Request::new);
        return request.list().ofMinSize(0).ofMaxSize(400);
    }

    @Property(tries = 300)
    void anySplitMergesBackToTheWhole(@ForAll("recordings") List<Request> requests,
            @ForAll("cuts") List<Integer> cutPoints) {
        StepWindow whole = window(requests);

        TreeSet<Integer> cuts = new TreeSet<>();
        cutPoints.forEach(cut -> cuts.add(requests.isEmpty() ? 0 : cut % (requests.size() + 1)));
        cuts.add(requests.size());
        List<WorkflowWindow> windows = new ArrayList<>();
        int from = 0;
        long start = 0;
        for (int to : cuts) {
            windows.add(new WorkflowWindow("w", start, start + 1000, to - from, 0, 1, List.of(window(requests.subList(from, to)))));
            from = to;
            start += 1000;
        }

        WorkflowAccumulator overTime = new WorkflowAccumulator("w");
        windows.forEach(overTime::addLater);
        StepWindow merged = overTime.toWindow().steps().get(0);

        assertThat(merged).isEqualTo(whole);
        assertThat(overTime.toWindow().iterations()).isEqualTo(requests.size());
        assertThat(LatencyHistograms.decode(merged.latency()).getTotalCount()).isEqualTo(requests.size());

        // Merging in any grouping gives the same: windows from "different workers" added concurrently.
        WorkflowWindow concurrent = WorkflowAccumulator.concurrent("w", windows);
        assertThat(concurrent.steps().get(0)).isEqualTo(whole);
        assertThat(concurrent.activeVus()).isEqualTo(windows.size());
    }

    @Provide
    Arbitrary<List<Integer>> cuts() {
        return Arbitraries.integers().between(0, 1_000).list().ofMaxSize(20);
    }

    @Property(tries = 50)
    void percentilesComeFromTheMergedHistogram(@ForAll("recordings") List<Request> requests) {
        StepWindow whole = window(requests);
        Histogram direct = LatencyHistograms.create();
        requests.forEach(request -> LatencyHistograms.record(direct, request.latencyMicros()));

        LatencySummary summary = LatencySummary.of(whole.latency());

        assertThat(summary.count()).isEqualTo(requests.size());
        assertThat(summary.p99()).isEqualTo(requests.isEmpty() ? 0 : direct.getValueAtPercentile(99) / 1000.0);
        assertThat(summary.max()).isLessThanOrEqualTo(LatencyHistograms.HIGHEST_MICROS / 1000.0 * 1.001);
    }

    private static StepWindow window(List<Request> requests) {
        Histogram latency = LatencyHistograms.create();
        long successes = 0;
        long sent = 0;
        long received = 0;
        long passed = 0;
        Map<String, Long> failures = new HashMap<>();
        for (Request request : requests) {
            LatencyHistograms.record(latency, request.latencyMicros());
            if (request.failure().isEmpty()) {
                successes++;
            } else {
                failures.merge(request.failure(), 1L, Long::sum);
            }
            sent += request.sent();
            received += request.received();
            passed += request.checkPassed() ? 1 : 0;
        }
        return new StepWindow("s", requests.size(), successes, failures, sent, received,
                Map.of("check", new StepWindow.CheckTally(passed, requests.size() - passed)),
                LatencyHistograms.encode(latency));
    }
}
