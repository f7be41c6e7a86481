package io.stampede.model.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.LongStream;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.stampede.model.SeededGenerator;
import io.stampede.model.lifecycle.WorkflowState;

/**
 * However a workflow's run is split over datacenters and workers, the job's figures are those of
 * one engine running it all: the same totals, the same running time and the same rate. Each case
 * comes from a seed ({@link SeededGenerator}): one run of 0.5 to 20 s, split over 1 to 5
 * datacenters of 1 to 4 workers each, where any worker may get an empty share, each datacenter
 * starting up to 3 s after the first (as a dependent workflow does), every worker cutting its
 * windows at the clock's seconds. The windows go through the merges the system makes: a
 * worker's over time, a datacenter's per second and concurrently, and the gate's
 * {@link JobStatistics}, before and after the datacenters' final totals. A failure names its
 * seed, and {@code -Dstampede.test.seed=<seed>} replays it.
 */
class SplitRunPropertyTest {

    private static final String WORKFLOW = "w";
    private static final long EPOCH = 1_790_000_000_000L;

    /** One request: when it completed (milliseconds after the run's start) and how. */
    record Request(long atMillis, long latencyMicros, String failure, String notSent) {
    }

    static LongStream seeds() {
        return SeededGenerator.seeds(300);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void anySplitReportsWhatOneEngineWould(long seed) {
        SeededGenerator generate = new SeededGenerator(seed);
        long lengthMillis = generate.longBetween(500, 20_000);
        long startMillis = EPOCH + generate.longBetween(0, 999);
        List<Request> requests = generate.listOf(0, 600, () -> new Request(generate.longBetween(0, lengthMillis - 1),
                generate.longBetween(1, 3_000_000), generate.oneOf("", "", "", "http_5xx", "timeout"),
                generate.oneOf("", "", "", "", "", "", "", "", "invalid_url", "missing_variable:token")));

        // One engine running it all.
        WorkflowWindow engine = overTime(windows(startMillis, lengthMillis, requests));
        WorkflowReport expected = WorkflowReport.of(engine);

        // The same run split.
        int datacenters = generate.intBetween(1, 5);
        List<List<List<Request>>> shares = new ArrayList<>();
        List<Boolean> empty = new ArrayList<>();
        for (int dc = 0; dc < datacenters; dc++) {
            List<List<Request>> workers = new ArrayList<>();
            int count = generate.intBetween(1, 4);
            for (int worker = 0; worker < count; worker++) {
                workers.add(new ArrayList<>());
                empty.add(generate.intBetween(0, 3) == 0);
            }
            shares.add(workers);
        }
        if (!empty.contains(false)) {
            empty.set(0, false);
        }
        List<int[]> running = new ArrayList<>();
        int index = 0;
        for (int dc = 0; dc < datacenters; dc++) {
            for (int worker = 0; worker < shares.get(dc).size(); worker++) {
                if (!empty.get(index++)) {
                    running.add(new int[] {dc, worker});
                }
            }
        }
        for (Request request : requests) {
            int[] source = running.get(generate.intBetween(0, running.size() - 1));
            shares.get(source[0]).get(source[1]).add(request);
        }

        List<String> names = new ArrayList<>();
        for (int dc = 0; dc < datacenters; dc++) {
            names.add("dc" + dc);
        }
        JobStatistics gate = new JobStatistics(names, List.of(WORKFLOW));
        Map<String, Map<String, WorkflowState>> states = new LinkedHashMap<>();
        Map<String, WorkflowWindow> finals = new LinkedHashMap<>();
        index = 0;
        for (int dc = 0; dc < datacenters; dc++) {
            long dcStart = startMillis + (dc == 0 ? 0 : generate.longBetween(0, 3_000));
            List<WorkflowWindow> workerTotals = new ArrayList<>();
            List<List<WorkflowWindow>> workerWindows = new ArrayList<>();
            for (List<Request> share : shares.get(dc)) {
                if (empty.get(index++)) {
                    // What a worker reports for an empty share: no windows, and totals that cover no time.
                    workerTotals.add(new WorkflowWindow(WORKFLOW, 0, 0, 0, 0, 0, List.of()));
                    continue;
                }
                List<WorkflowWindow> windows = windows(dcStart, lengthMillis, share);
                workerWindows.add(windows);
                workerTotals.add(overTime(windows));
            }
            // The manager merges what arrived since its last tick per second; ticks cut anywhere.
            for (List<WorkflowWindow> tick : ticks(generate, workerWindows)) {
                TreeMap<Long, WorkflowAccumulator> perSecond = new TreeMap<>();
                tick.forEach(window -> perSecond.computeIfAbsent(JobStatistics.secondOf(window),
                        second -> new WorkflowAccumulator(WORKFLOW)).addConcurrent(window));
                gate.onProgress("dc" + dc, Map.of(WORKFLOW,
                        perSecond.values().stream().map(WorkflowAccumulator::toWindow).toList()));
            }
            states.put("dc" + dc, Map.of(WORKFLOW, WorkflowState.RUNNING));
            finals.put("dc" + dc, WorkflowAccumulator.concurrent(WORKFLOW, workerTotals));
        }

        String name = "seed " + seed + ": " + requests.size() + " requests in " + lengthMillis + " ms over "
                + datacenters + " datacenters, shares " + shares.stream().map(List::size).toList() + ", empty " + empty;
        check(name + ", from progress", gate.reports(states).get(0), expected);

        finals.forEach((dc, totals) -> gate.onFinished(dc, Map.of(WORKFLOW, totals)));
        check(name + ", from final totals", gate.reports(states).get(0), expected);
        assertThat(gate.totals().get(WORKFLOW).steps()).as(name).isEqualTo(engine.steps());
    }

    private static void check(String name, WorkflowReport actual, WorkflowReport expected) {
        assertThat(actual.iterations()).as("%s: iterations", name).isEqualTo(expected.iterations());
        assertThat(actual.seconds()).as("%s: seconds", name).isEqualTo(expected.seconds());
        assertThat(actual.steps()).as("%s: steps", name).hasSameSizeAs(expected.steps());
        for (int i = 0; i < expected.steps().size(); i++) {
            WorkflowReport.StepReport want = expected.steps().get(i);
            WorkflowReport.StepReport got = actual.steps().get(i);
            assertThat(got.requests()).as("%s: requests", name).isEqualTo(want.requests());
            assertThat(got.failures()).as("%s: failures", name).isEqualTo(want.failures());
            assertThat(got.notSent()).as("%s: not sent", name).isEqualTo(want.notSent());
            assertThat(got.latencyMs()).as("%s: latency", name).isEqualTo(want.latencyMs());
            assertThat(got.requestsPerSecond()).as("%s: requests per second", name)
                    .isCloseTo(want.requestsPerSecond(), within(1e-9 * Math.max(1, want.requestsPerSecond())));
        }
    }

    /** A worker's windows from {@code start}, cut at the clock's seconds, the last at the end of the run. */
    private static List<WorkflowWindow> windows(long start, long lengthMillis, List<Request> requests) {
        long end = start + lengthMillis;
        List<WorkflowWindow> windows = new ArrayList<>();
        for (long from = start; from < end; from = (Math.floorDiv(from, 1000) + 1) * 1000) {
            long to = Math.min(end, (Math.floorDiv(from, 1000) + 1) * 1000);
            long windowFrom = from;
            List<Request> in = requests.stream()
                    .filter(request -> start + request.atMillis() >= windowFrom && start + request.atMillis() < to)
                    .toList();
            windows.add(new WorkflowWindow(WORKFLOW, from, to, in.size(), 0, 1, List.of(step(in))));
        }
        return windows;
    }

    private static WorkflowWindow overTime(List<WorkflowWindow> windows) {
        WorkflowAccumulator accumulator = new WorkflowAccumulator(WORKFLOW);
        windows.forEach(accumulator::addLater);
        return accumulator.toWindow();
    }

    /** The workers' windows, each worker's in order, interleaved and cut into ticks at random. */
    private static List<List<WorkflowWindow>> ticks(SeededGenerator generate, List<List<WorkflowWindow>> workers) {
        List<Integer> next = new ArrayList<>(workers.stream().map(windows -> 0).toList());
        List<List<WorkflowWindow>> ticks = new ArrayList<>();
        List<WorkflowWindow> tick = new ArrayList<>();
        while (true) {
            List<Integer> left = new ArrayList<>();
            for (int worker = 0; worker < workers.size(); worker++) {
                if (next.get(worker) < workers.get(worker).size()) {
                    left.add(worker);
                }
            }
            if (left.isEmpty()) {
                break;
            }
            int worker = left.get(generate.intBetween(0, left.size() - 1));
            tick.add(workers.get(worker).get(next.get(worker)));
            next.set(worker, next.get(worker) + 1);
            if (generate.intBetween(0, 2) == 0) {
                ticks.add(tick);
                tick = new ArrayList<>();
            }
        }
        ticks.add(tick);
        return ticks;
    }

    private static StepWindow step(List<Request> requests) {
        Histogram latency = LatencyHistograms.create();
        long sent = 0;
        long successes = 0;
        Map<String, Long> failures = new HashMap<>();
        Map<String, Long> notSent = new HashMap<>();
        for (Request request : requests) {
            if (!request.notSent().isEmpty()) {
                notSent.merge(request.notSent(), 1L, Long::sum);
                continue;
            }
            sent++;
            LatencyHistograms.record(latency, request.latencyMicros());
            if (request.failure().isEmpty()) {
                successes++;
            } else {
                failures.merge(request.failure(), 1L, Long::sum);
            }
        }
        return new StepWindow("s", sent, successes, failures, 0, 0, Map.of(), LatencyHistograms.encode(latency),
                notSent);
    }
}
