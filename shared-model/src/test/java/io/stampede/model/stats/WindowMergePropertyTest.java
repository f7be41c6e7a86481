package io.stampede.model.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.LongStream;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.stampede.model.SeededGenerator;

/**
 * Merging is exact: however a recording is cut into windows, and in whatever groups they are
 * merged, the result equals recording everything in one window. Each case comes from a seed
 * ({@link SeededGenerator}); a failure names its seed, and
 * {@code -Dstampede.test.seed=<seed>} replays it.
 */
class WindowMergePropertyTest {

    /** One request as a recorder would see it. */
    record Request(long latencyMicros, String failure, long sent, long received, boolean checkPassed) {
    }

    static LongStream splitSeeds() {
        return SeededGenerator.seeds(300);
    }

    static LongStream percentileSeeds() {
        return SeededGenerator.seeds(50);
    }

    /** 0 to 400 requests, half of them failed. */
    static List<Request> recording(SeededGenerator generate) {
        return generate.listOf(0, 400, () -> new Request(
                // Half up to 2 s, half up to 90 s: a third of those are past the histogram's 60 s ceiling,
                // where recording clamps.
                generate.bool() ? generate.longBetween(1, 2_000_000) : generate.longBetween(1, 90_000_000),
                generate.oneOf("", "", "", "http_5xx", "timeout", "check:status 200"),
                generate.longBetween(0, 10_000),
                generate.longBetween(0, 10_000),
                generate.bool()));
    }

    /** Up to 20 cut points from 0 to 1,000, taken modulo the recording's length plus one. */
    static List<Integer> cuts(SeededGenerator generate) {
        return generate.listOf(0, 20, () -> generate.intBetween(0, 1_000));
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("splitSeeds")
    void anySplitMergesBackToTheWhole(long seed) {
        SeededGenerator generate = new SeededGenerator(seed);
        List<Request> requests = recording(generate);
        List<Integer> cutPoints = cuts(generate);

        checkSplitMergesBackToTheWhole("seed " + seed, requests, cutPoints);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("percentileSeeds")
    void percentilesComeFromTheMergedHistogram(long seed) {
        checkPercentilesComeFromTheMergedHistogram("seed " + seed, recording(new SeededGenerator(seed)));
    }

    /** The edges, whatever the seeds draw: no requests, and one request at each latency bound. */
    @Test
    void edgeRecordingsMergeAndSummariseExactlyToo() {
        checkEdge("no requests", List.of());
        checkEdge("one request of 1 µs", List.of(new Request(1, "", 0, 0, true)));
        checkEdge("one request of 90 s", List.of(new Request(90_000_000, "timeout", 10_000, 10_000, false)));
    }

    private static void checkEdge(String name, List<Request> requests) {
        checkSplitMergesBackToTheWhole(name + ", no cuts", requests, List.of());
        checkSplitMergesBackToTheWhole(name + ", cuts at both ends", requests, List.of(0, 1_000));
        checkPercentilesComeFromTheMergedHistogram(name, requests);
    }

    private static void checkSplitMergesBackToTheWhole(String name, List<Request> requests, List<Integer> cutPoints) {
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

        assertThat(merged).as("%s: %d windows merged over time", name, windows.size()).isEqualTo(whole);
        assertThat(overTime.toWindow().iterations()).as("%s: iterations", name).isEqualTo(requests.size());
        assertThat(LatencyHistograms.decode(merged.latency()).getTotalCount()).as("%s: latencies recorded", name)
                .isEqualTo(requests.size());

        // Merging in any grouping gives the same: windows from "different workers" added concurrently.
        WorkflowWindow concurrent = WorkflowAccumulator.concurrent("w", windows);
        assertThat(concurrent.steps().get(0)).as("%s: %d windows merged concurrently", name, windows.size())
                .isEqualTo(whole);
        assertThat(concurrent.activeVus()).as("%s: active virtual users", name).isEqualTo(windows.size());
    }

    private static void checkPercentilesComeFromTheMergedHistogram(String name, List<Request> requests) {
        StepWindow whole = window(requests);
        Histogram direct = LatencyHistograms.create();
        requests.forEach(request -> LatencyHistograms.record(direct, request.latencyMicros()));

        LatencySummary summary = LatencySummary.of(whole.latency());

        assertThat(summary.count()).as("%s: count", name).isEqualTo(requests.size());
        assertThat(summary.p99()).as("%s: p99 in ms", name)
                .isEqualTo(requests.isEmpty() ? 0 : direct.getValueAtPercentile(99) / 1000.0);
        assertThat(summary.max()).as("%s: max in ms", name)
                .isLessThanOrEqualTo(LatencyHistograms.HIGHEST_MICROS / 1000.0 * 1.001);
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
