package io.stampede.model.stats;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

import io.stampede.model.job.Threshold;
import io.stampede.model.lifecycle.WorkflowState;

/**
 * One job's statistics over its datacenters, merged exactly: each datacenter's running totals
 * from its progress (its windows added over time) until its final totals replace them, and its
 * last few seconds of windows, from which current rates come. Gates keep one per job; {@code
 * stampede watch --kafka} builds one from the same records, so both show the same figures. Not
 * thread-safe.
 */
public final class JobStatistics {

    /** How many seconds of windows each datacenter keeps per workflow, for current rates. */
    static final int RECENT_SECONDS = 8;
    /** How many complete seconds a current rate is taken over. */
    static final int RATE_SECONDS = 3;

    private final List<String> workflows;
    private final Map<String, Datacenter> datacenters = new LinkedHashMap<>();
    private final boolean learns;

    /** A job's statistics, knowing its datacenters and workflows. */
    public JobStatistics(List<String> datacenters, List<String> workflows) {
        this(datacenters, workflows, false);
    }

    private JobStatistics(List<String> datacenters, List<String> workflows, boolean learns) {
        this.workflows = new ArrayList<>(workflows);
        this.learns = learns;
        datacenters.forEach(dc -> this.datacenters.put(dc, new Datacenter()));
    }

    /**
     * Statistics of a job whose datacenters and workflows are learnt from its records, in the
     * order they are first seen (a reader of the records that never saw the submission).
     */
    public static JobStatistics learning() {
        return new JobStatistics(List.of(), List.of(), true);
    }

    private Datacenter datacenter(String name, Collection<String> workflowNames) {
        if (learns) {
            datacenters.computeIfAbsent(name, dc -> new Datacenter());
            workflowNames.stream().filter(workflow -> !workflows.contains(workflow)).forEach(workflows::add);
        }
        return datacenters.get(name);
    }

    /** One datacenter's part. */
    private static final class Datacenter {
        final Map<String, WorkflowAccumulator> running = new LinkedHashMap<>();
        final Map<String, NavigableMap<Long, WorkflowAccumulator>> recent = new LinkedHashMap<>();
        Map<String, WorkflowWindow> finalTotals;
    }

    /**
     * A datacenter's windows since its last progress, per workflow, one per second (see
     * {@code Payload.DatacenterProgress}). Ignored for a datacenter that is not the job's or has
     * finished, and for a workflow that is not the job's.
     */
    public void onProgress(String datacenter, Map<String, List<WorkflowWindow>> windows) {
        Datacenter dc = datacenter(datacenter, windows.keySet());
        if (dc == null || dc.finalTotals != null) {
            return;
        }
        windows.forEach((workflow, seconds) -> {
            if (!workflows.contains(workflow)) {
                return;
            }
            for (WorkflowWindow window : seconds) {
                if (!window.workflow().equals(workflow)) {
                    throw new IllegalArgumentException("a window of " + window.workflow() + " filed under " + workflow);
                }
                dc.running.computeIfAbsent(workflow, WorkflowAccumulator::new).addLater(window);
                NavigableMap<Long, WorkflowAccumulator> recent = dc.recent.computeIfAbsent(workflow, w -> new TreeMap<>());
                recent.computeIfAbsent(secondOf(window), second -> new WorkflowAccumulator(workflow))
                        .addConcurrent(window);
                while (recent.size() > RECENT_SECONDS) {
                    recent.pollFirstEntry();
                }
            }
        });
    }

    /** A datacenter's final totals: they replace what its progress added up to. */
    public void onFinished(String datacenter, Map<String, WorkflowWindow> totals) {
        Datacenter dc = datacenter(datacenter, totals.keySet());
        if (dc == null || dc.finalTotals != null) {
            return;
        }
        dc.finalTotals = Map.copyOf(totals);
        dc.running.clear();
        dc.recent.clear();
    }

    /** The workflows, in the job's order (or the order they were first heard of). */
    public List<String> workflows() {
        return List.copyOf(workflows);
    }

    /** The datacenters, in the job's order (or the order they were first heard of). */
    public List<String> datacenters() {
        return List.copyOf(datacenters.keySet());
    }

    /** Whether the datacenter has sent its final totals. */
    public boolean finished(String datacenter) {
        Datacenter dc = datacenters.get(datacenter);
        return dc != null && dc.finalTotals != null;
    }

    /** One datacenter's statistics per workflow: its final totals once it has them. */
    public Map<String, WorkflowWindow> perDatacenter(String datacenter) {
        Datacenter dc = datacenters.get(datacenter);
        if (dc == null) {
            return Map.of();
        }
        if (dc.finalTotals != null) {
            return dc.finalTotals;
        }
        Map<String, WorkflowWindow> now = new LinkedHashMap<>();
        dc.running.forEach((workflow, accumulator) -> now.put(workflow, accumulator.toWindow()));
        return now;
    }

    /** The job's statistics per workflow, every datacenter's merged into one window. */
    public Map<String, WorkflowWindow> totals() {
        Map<String, WorkflowWindow> merged = new LinkedHashMap<>();
        for (String workflow : workflows) {
            merged.put(workflow, WorkflowAccumulator.concurrent(workflow, parts(workflow)));
        }
        return merged;
    }

    /**
     * The job's figures per workflow, in the job's order.
     *
     * @param states each datacenter's workflow states, for each workflow's state over them all
     */
    public List<WorkflowReport> reports(Map<String, Map<String, WorkflowState>> states) {
        List<WorkflowReport> reports = new ArrayList<>();
        for (String workflow : workflows) {
            List<WorkflowState> across = new ArrayList<>();
            Map<String, Double> current = new LinkedHashMap<>();
            for (String dc : datacenters.keySet()) {
                WorkflowState state = states.getOrDefault(dc, Map.of()).get(workflow);
                if (state != null) {
                    across.add(state);
                }
                currentRates(dc, workflow, state).forEach((step, rate) -> current.merge(step, rate, Double::sum));
            }
            reports.add(WorkflowReport.of(workflow, WorkflowState.across(across), parts(workflow), current));
        }
        return reports;
    }

    /** One datacenter's figures per workflow that it has reported. */
    public List<WorkflowReport> reports(String datacenter, Map<String, WorkflowState> states) {
        List<WorkflowReport> reports = new ArrayList<>();
        perDatacenter(datacenter).forEach((workflow, window) -> reports.add(WorkflowReport.of(workflow,
                states.get(workflow), List.of(window), currentRates(datacenter, workflow, states.get(workflow)))));
        return reports;
    }

    /** The verdict of each threshold on the job's statistics now (final once every datacenter has finished). */
    public List<Thresholds.Verdict> verdicts(List<Threshold> thresholds) {
        if (thresholds.isEmpty()) {
            return List.of();
        }
        Map<String, Map<String, Double>> rates = new LinkedHashMap<>();
        for (String workflow : workflows) {
            rates.put(workflow, WorkflowReport.rates(parts(workflow)));
        }
        return Thresholds.evaluate(thresholds, totals(), rates);
    }

    /** Each datacenter's statistics of one workflow (only that workflow's windows are made). */
    private List<WorkflowWindow> parts(String workflow) {
        List<WorkflowWindow> parts = new ArrayList<>();
        for (Datacenter dc : datacenters.values()) {
            WorkflowWindow part = dc.finalTotals != null ? dc.finalTotals.get(workflow)
                    : dc.running.containsKey(workflow) ? dc.running.get(workflow).toWindow() : null;
            if (part != null) {
                parts.add(part);
            }
        }
        return parts;
    }

    /**
     * A datacenter's current rate per step of a workflow: the requests of its last {@value
     * #RATE_SECONDS} complete seconds over the time their windows cover. The latest second is not
     * complete while some workers' windows for it may still be on their way, so it counts only
     * when it is the only one. A workflow that has ended in the datacenter has no current rate.
     */
    private Map<String, Double> currentRates(String datacenter, String workflow, WorkflowState state) {
        Datacenter dc = datacenters.get(datacenter);
        NavigableMap<Long, WorkflowAccumulator> recent = dc.recent.get(workflow);
        if (recent == null || recent.isEmpty() || state != null && state.terminal()) {
            return Map.of();
        }
        NavigableMap<Long, WorkflowAccumulator> complete = recent.size() == 1 ? recent
                : recent.headMap(recent.lastKey(), false);
        // Counts and spans only: a rate needs no histogram.
        Map<String, Long> requests = new LinkedHashMap<>();
        double covered = 0;
        for (WorkflowAccumulator second : complete.descendingMap().values().stream().limit(RATE_SECONDS).toList()) {
            covered += second.seconds();
            second.requestsByStep().forEach((step, count) -> requests.merge(step, count, Long::sum));
        }
        Map<String, Double> rates = new LinkedHashMap<>();
        double seconds = covered;
        requests.forEach((step, count) -> rates.put(step, seconds > 0 ? count / seconds : 0.0));
        return rates;
    }

    /** The second of the clock a window belongs to: the one it starts in, epoch milliseconds. */
    public static long secondOf(WorkflowWindow window) {
        return Math.floorDiv(window.startMillis(), 1000) * 1000;
    }
}
