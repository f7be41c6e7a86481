package io.stampede.model.stats;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;

/**
 * Merges windows of one workflow exactly: counts add, histograms add (never averaged
 * percentiles). Two ways to add: {@link #addConcurrent} for windows covering the same time from
 * different sources (lanes, workers, datacenters: active VUs add up), {@link #addLater} for
 * successive windows of one source (active VUs: the peak). Not thread-safe.
 */
public final class WorkflowAccumulator {

    private final String workflow;
    private long startMillis = Long.MAX_VALUE;
    private long endMillis = Long.MIN_VALUE;
    private long iterations;
    private long dropped;
    private long activeVus;
    private final Map<String, StepAccumulator> steps = new LinkedHashMap<>();

    public WorkflowAccumulator(String workflow) {
        this.workflow = workflow;
    }

    /** Adds a window covering the same time as the others, from another source. */
    public WorkflowAccumulator addConcurrent(WorkflowWindow window) {
        add(window);
        activeVus += window.activeVus();
        return this;
    }

    /** Adds a later window of the same source. */
    public WorkflowAccumulator addLater(WorkflowWindow window) {
        add(window);
        activeVus = Math.max(activeVus, window.activeVus());
        return this;
    }

    private void add(WorkflowWindow window) {
        if (!window.workflow().equals(workflow)) {
            throw new IllegalArgumentException("window of " + window.workflow() + " added to " + workflow);
        }
        // A window that covers no time (an empty share's totals, at 0..0) adds counts but no span:
        // otherwise the merged run would seem to start at the epoch.
        if (window.startMillis() != 0 || window.endMillis() != 0) {
            startMillis = Math.min(startMillis, window.startMillis());
            endMillis = Math.max(endMillis, window.endMillis());
        }
        iterations += window.iterations();
        dropped += window.droppedIterations();
        for (StepWindow step : window.steps()) {
            steps.computeIfAbsent(step.step(), StepAccumulator::new).add(step);
        }
    }

    /** Whether nothing was added yet. */
    public boolean isEmpty() {
        return startMillis == Long.MAX_VALUE;
    }

    /** The seconds the windows added cover, as {@link WorkflowWindow#seconds()} of {@link #toWindow()}. */
    public double seconds() {
        return isEmpty() ? 0 : Math.max(0, endMillis - startMillis) / 1000.0;
    }

    /** The requests added per step, without merging any histogram. */
    public Map<String, Long> requestsByStep() {
        Map<String, Long> requests = new LinkedHashMap<>();
        steps.forEach((step, accumulator) -> requests.put(step, accumulator.requests));
        return requests;
    }

    /** Everything added, as one window. */
    public WorkflowWindow toWindow() {
        long start = isEmpty() ? 0 : startMillis;
        long end = isEmpty() ? 0 : endMillis;
        return new WorkflowWindow(workflow, start, end, iterations, dropped, activeVus,
                steps.values().stream().map(StepAccumulator::toWindow).toList());
    }

    /** Merges the windows of one step. */
    static final class StepAccumulator {
        private final String step;
        private long requests;
        private long successes;
        private long bytesSent;
        private long bytesReceived;
        private final Map<String, Long> failures = new HashMap<>();
        private final Map<String, Long> notSent = new HashMap<>();
        private final Map<String, StepWindow.CheckTally> checks = new LinkedHashMap<>();
        private final Histogram latency = LatencyHistograms.create();

        StepAccumulator(String step) {
            this.step = step;
        }

        void add(StepWindow window) {
            requests += window.requests();
            successes += window.successes();
            bytesSent += window.bytesSent();
            bytesReceived += window.bytesReceived();
            window.failures().forEach((reason, count) -> failures.merge(reason, count, Long::sum));
            window.notSent().forEach((reason, count) -> notSent.merge(reason, count, Long::sum));
            window.checks().forEach((name, tally) -> checks.merge(name, tally, StepWindow.CheckTally::plus));
            latency.add(LatencyHistograms.decode(window.latency()));
        }

        StepWindow toWindow() {
            return new StepWindow(step, requests, successes, failures, bytesSent, bytesReceived, checks,
                    LatencyHistograms.encode(latency), notSent);
        }
    }

    /** Merges windows that cover the same time from different sources. */
    public static WorkflowWindow concurrent(String workflow, List<WorkflowWindow> windows) {
        WorkflowAccumulator accumulator = new WorkflowAccumulator(workflow);
        windows.forEach(accumulator::addConcurrent);
        return accumulator.toWindow();
    }
}
