package io.stampede.gate.jobs;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.stampede.model.stats.WorkflowAccumulator;
import io.stampede.model.stats.WorkflowWindow;
import io.stampede.model.wire.Payload;

/**
 * One job across its datacenters, as the gate that accepted it tracks it: each datacenter's
 * status and statistics, merged exactly into the job's. Not thread-safe.
 */
public final class GlobalJob {

    /** Where a job is. Terminal states never change. */
    public enum Status {
        SUBMITTED, RUNNING, COMPLETED, FAILED, CANCELLED, TIMED_OUT;

        public boolean terminal() {
            return ordinal() >= COMPLETED.ordinal();
        }
    }

    private final String id;
    private final String name;
    private final Instant submittedAt;
    private final long deadlineEpochMillis;
    private final List<String> workflows;
    private final Map<String, String> datacenterStatus = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> workflowStates = new LinkedHashMap<>();
    private final Map<String, Map<String, WorkflowAccumulator>> running = new LinkedHashMap<>();
    private final Map<String, Map<String, WorkflowWindow>> finalTotals = new LinkedHashMap<>();
    private final Map<String, String> errors = new LinkedHashMap<>();
    private Status status = Status.SUBMITTED;
    private String stopRequested;
    private String owner = "";
    private long fence;
    private Payload.JobFinished result;

    public GlobalJob(String id, String name, Instant submittedAt, long deadlineEpochMillis, List<String> datacenters,
            List<String> workflows) {
        this.id = id;
        this.name = name;
        this.submittedAt = submittedAt;
        this.deadlineEpochMillis = deadlineEpochMillis;
        this.workflows = List.copyOf(workflows);
        datacenters.forEach(dc -> {
            datacenterStatus.put(dc, "SUBMITTED");
            running.put(dc, new LinkedHashMap<>());
        });
    }

    /** The gate that owns the job now, and its fence for it. */
    public void ownedBy(String gate, long ownerFence) {
        this.owner = gate;
        this.fence = ownerFence;
    }

    public String owner() {
        return owner;
    }

    public long fence() {
        return fence;
    }

    /** The job's result once every datacenter has reported; null before. */
    public Payload.JobFinished result() {
        return result;
    }

    public String id() {
        return id;
    }

    public String name() {
        return name;
    }

    public Instant submittedAt() {
        return submittedAt;
    }

    public long deadlineEpochMillis() {
        return deadlineEpochMillis;
    }

    public Status status() {
        return status;
    }

    public List<String> datacenters() {
        return List.copyOf(datacenterStatus.keySet());
    }

    public Map<String, String> datacenterStatus() {
        return Map.copyOf(datacenterStatus);
    }

    public Map<String, Map<String, String>> workflowStates() {
        return Map.copyOf(workflowStates);
    }

    public Map<String, String> errors() {
        return Map.copyOf(errors);
    }

    /** Records that the job was asked to stop ({@code CANCELLED} or {@code TIMED_OUT}); the first asks wins. */
    public boolean requestStop(String outcome) {
        if (status.terminal() || stopRequested != null) {
            return false;
        }
        stopRequested = outcome;
        return true;
    }

    /** A datacenter's progress: its windows add to the job's running totals. */
    public void onProgress(Payload.DatacenterProgress progress) {
        Map<String, WorkflowAccumulator> dc = running.get(progress.datacenter());
        if (dc == null || status.terminal() || finalTotals.containsKey(progress.datacenter())) {
            return;
        }
        if (status == Status.SUBMITTED) {
            status = Status.RUNNING;
        }
        datacenterStatus.put(progress.datacenter(), "RUNNING");
        workflowStates.put(progress.datacenter(), progress.states());
        progress.windows().forEach((workflow, window) ->
                dc.computeIfAbsent(workflow, WorkflowAccumulator::new).addLater(window));
    }

    /**
     * A datacenter's final result. Returns the job's final result when this was the last target
     * datacenter to finish, or null.
     */
    public Payload.JobFinished onFinished(Payload.DatacenterFinished finished) {
        if (!datacenterStatus.containsKey(finished.datacenter()) || finalTotals.containsKey(finished.datacenter())
                || status.terminal()) {
            return null;
        }
        datacenterStatus.put(finished.datacenter(), finished.status());
        workflowStates.put(finished.datacenter(), finished.states());
        finalTotals.put(finished.datacenter(), finished.totals());
        finished.errors().forEach((workflow, error) -> errors.put(finished.datacenter() + "/" + workflow, error));
        if (finalTotals.size() < datacenterStatus.size()) {
            return null;
        }
        status = decide();
        result = new Payload.JobFinished(status.name(), datacenterStatus, totals(), errors);
        return result;
    }

    private Status decide() {
        if (stopRequested != null) {
            return Status.valueOf(stopRequested);
        }
        if (datacenterStatus.containsValue("TIMED_OUT")) {
            return Status.TIMED_OUT;
        }
        if (datacenterStatus.containsValue("FAILED")) {
            return Status.FAILED;
        }
        if (datacenterStatus.containsValue("CANCELLED")) {
            return Status.CANCELLED;
        }
        return Status.COMPLETED;
    }

    /** The job's statistics now, per workflow over every datacenter: final totals where a datacenter has them. */
    public Map<String, WorkflowWindow> totals() {
        Map<String, WorkflowWindow> merged = new LinkedHashMap<>();
        for (String workflow : workflows) {
            WorkflowAccumulator all = new WorkflowAccumulator(workflow);
            for (String dc : datacenterStatus.keySet()) {
                WorkflowWindow part = perDatacenter(dc).get(workflow);
                if (part != null) {
                    all.addConcurrent(part);
                }
            }
            merged.put(workflow, all.toWindow());
        }
        return merged;
    }

    /** One datacenter's statistics per workflow. */
    public Map<String, WorkflowWindow> perDatacenter(String datacenter) {
        Map<String, WorkflowWindow> done = finalTotals.get(datacenter);
        if (done != null) {
            return done;
        }
        Map<String, WorkflowWindow> now = new LinkedHashMap<>();
        running.getOrDefault(datacenter, Map.of()).forEach((workflow, accumulator) ->
                now.put(workflow, accumulator.toWindow()));
        return now;
    }
}
