package io.stampede.manager.dispatch;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.stampede.model.job.JobSpec;
import io.stampede.model.job.LoadShare;
import io.stampede.model.job.WorkflowSpec;
import io.stampede.model.stats.WorkflowAccumulator;
import io.stampede.model.stats.WorkflowWindow;
import io.stampede.model.wire.Payload;

/**
 * One job in one datacenter, as its manager leader runs it: which workflows may start, how each
 * is split across the live workers, what the workers reported, and when the job has ended here.
 * Sans-IO: every method returns the commands to carry out (records to send); the caller owns
 * Kafka and timers. Not thread-safe.
 */
public final class DatacenterJob {

    /** Something to send. */
    public sealed interface Command {
    }

    /** Send a share of a workflow to a worker. */
    public record Dispatch(Payload.WorkflowDispatched payload) implements Command {
    }

    /** Tell a worker to stop its share. */
    public record CancelShare(Payload.WorkflowCancelRequested payload) implements Command {
    }

    /** The job has ended in this datacenter. */
    public record Finish(Payload.DatacenterFinished payload) implements Command {
    }

    /** One worker's part of one workflow. */
    private static final class Share {
        boolean finished;
        String outcome = "";
        String error = "";
    }

    /** One workflow here. */
    private final class Workflow {
        final WorkflowSpec spec;
        WorkflowState state = WorkflowState.PENDING;
        final Map<String, Share> shares = new LinkedHashMap<>();
        final WorkflowAccumulator totals;
        WorkflowAccumulator sinceLastProgress;
        final Map<String, String> exports = new HashMap<>();
        String error = "";

        Workflow(WorkflowSpec spec) {
            this.spec = spec;
            this.totals = new WorkflowAccumulator(spec.name());
        }

        void move(WorkflowState next) {
            state = state.moveTo(next);
        }
    }

    private final String jobId;
    private final String datacenter;
    private final Payload.JobSubmitted submitted;
    private final JobSpec spec;
    private final Map<String, Workflow> workflows = new LinkedHashMap<>();
    private String stopStatus;
    private boolean finished;
    private Payload.DatacenterFinished result;
    /**
     * Whether this manager decides for the job (it leads the datacenter). A follower keeps the
     * same state from the same records, but takes dispatch decisions from the leader's
     * {@code workflow.dispatched} records instead of making its own, so it can take over at any
     * moment without dispatching anything twice.
     */
    private boolean deciding = true;

    public DatacenterJob(String jobId, String datacenter, Payload.JobSubmitted submitted, JobSpec spec) {
        this.jobId = jobId;
        this.datacenter = datacenter;
        this.submitted = submitted;
        this.spec = spec;
        for (WorkflowSpec workflow : spec.workflowsInDependencyOrder()) {
            workflows.put(workflow.name(), new Workflow(workflow));
        }
    }

    public String jobId() {
        return jobId;
    }

    public boolean finished() {
        return finished;
    }

    /** The state of each workflow. */
    public Map<String, WorkflowState> states() {
        Map<String, WorkflowState> states = new LinkedHashMap<>();
        workflows.forEach((name, workflow) -> states.put(name, workflow.state));
        return states;
    }

    /** Makes this copy of the job follow the leader's decisions, or decide itself. */
    public void decide(boolean deciding) {
        this.deciding = deciding;
    }

    /** The result, once the job has finished here. */
    public Payload.DatacenterFinished result() {
        return result;
    }

    /**
     * This manager has just become the leader: it dispatches what is ready, re-sends the cancels
     * of a stopped job (a follower sends none), and re-sends the result of a job that finished
     * while it followed, in case the old leader died before sending it.
     */
    public List<Command> takeOver(List<WorkerRegistry.Worker> workers) {
        deciding = true;
        if (finished) {
            return List.of(new Finish(result));
        }
        if (stopStatus == null) {
            return advance(workers);
        }
        List<Command> commands = new ArrayList<>();
        for (Workflow workflow : workflows.values()) {
            workflow.shares.forEach((worker, share) -> {
                if (!share.finished) {
                    commands.add(new CancelShare(new Payload.WorkflowCancelRequested(workflow.spec.name(), worker)));
                }
            });
        }
        return commands;
    }

    /** A dispatch the leader made (this manager's own included, which changes nothing). */
    public void observeDispatch(Payload.WorkflowDispatched dispatched) {
        Workflow workflow = workflows.get(dispatched.workflow());
        if (workflow == null || workflow.shares.containsKey(dispatched.worker()) || workflow.state.terminal()) {
            return;
        }
        workflow.shares.put(dispatched.worker(), new Share());
        if (workflow.state == WorkflowState.PENDING) {
            workflow.move(WorkflowState.DISPATCHED);
        }
    }

    /** Dispatches every workflow whose dependencies have completed, across {@code workers}. */
    public List<Command> advance(List<WorkerRegistry.Worker> workers) {
        List<Command> commands = new ArrayList<>();
        if (stopStatus == null) {
            for (Workflow workflow : workflows.values()) {
                if (workflow.state == WorkflowState.PENDING && dependenciesCompleted(workflow)) {
                    dispatch(workflow, workers, commands);
                }
            }
        }
        finishIfDone(commands);
        return commands;
    }

    /** A worker's window: the workflow is running, and the window counts towards progress. */
    public void onWindow(Payload.WorkflowWindowReported report) {
        Workflow workflow = workflows.get(report.workflow());
        if (workflow == null || !workflow.shares.containsKey(report.worker()) || workflow.state.terminal()) {
            return;
        }
        if (workflow.state == WorkflowState.DISPATCHED) {
            workflow.move(WorkflowState.RUNNING);
        }
        if (workflow.sinceLastProgress == null) {
            workflow.sinceLastProgress = new WorkflowAccumulator(workflow.spec.name());
        }
        workflow.sinceLastProgress.addConcurrent(report.window());
    }

    /** A worker's share has ended; dependents may start, or the job may be over. */
    public List<Command> onFinished(Payload.WorkflowFinished report, List<WorkerRegistry.Worker> workers) {
        Workflow workflow = workflows.get(report.workflow());
        if (workflow == null) {
            return List.of();
        }
        Share share = workflow.shares.get(report.worker());
        if (share == null || share.finished) {
            return List.of();
        }
        share.finished = true;
        share.outcome = report.outcome();
        share.error = report.error();
        workflow.totals.addConcurrent(report.totals());
        workflow.exports.putAll(report.exports());
        settle(workflow);
        return advance(workers);
    }

    /** A worker is gone: its unfinished shares have failed. */
    public List<Command> workerLost(String worker, List<WorkerRegistry.Worker> workers) {
        for (Workflow workflow : workflows.values()) {
            Share share = workflow.shares.get(worker);
            if (share != null && !share.finished) {
                share.finished = true;
                share.outcome = "FAILED";
                share.error = "worker " + worker + " was lost (membership declared it dead or gone)";
                settle(workflow);
            }
        }
        return advance(workers);
    }

    /**
     * Stops the job: pending workflows will not start and running shares are told to stop. The
     * job ends with {@code status} once every share has reported.
     *
     * @param status {@code CANCELLED} or {@code TIMED_OUT}
     */
    public List<Command> stop(String status) {
        List<Command> commands = new ArrayList<>();
        if (stopStatus != null || finished) {
            return commands;
        }
        stopStatus = status;
        for (Workflow workflow : workflows.values()) {
            if (workflow.state == WorkflowState.PENDING) {
                workflow.move(WorkflowState.CANCELLED);
            }
            workflow.shares.forEach((worker, share) -> {
                if (!share.finished) {
                    commands.add(new CancelShare(new Payload.WorkflowCancelRequested(workflow.spec.name(), worker)));
                }
            });
        }
        finishIfDone(commands);
        return commands;
    }

    /** The windows received since the last call, merged per workflow, or null when none came. */
    public Payload.DatacenterProgress progress() {
        Map<String, WorkflowWindow> windows = new LinkedHashMap<>();
        for (Workflow workflow : workflows.values()) {
            if (workflow.sinceLastProgress != null) {
                windows.put(workflow.spec.name(), workflow.sinceLastProgress.toWindow());
                workflow.sinceLastProgress = null;
            }
        }
        if (windows.isEmpty()) {
            return null;
        }
        return new Payload.DatacenterProgress(datacenter, stateNames(), windows);
    }

    private boolean dependenciesCompleted(Workflow workflow) {
        return workflow.spec.dependsOn().stream().allMatch(name -> workflows.get(name).state == WorkflowState.COMPLETED);
    }

    private void dispatch(Workflow workflow, List<WorkerRegistry.Worker> workers, List<Command> commands) {
        LoadShare whole = submitted.shares().getOrDefault(workflow.spec.name(), LoadShare.whole(workflow.spec));
        if (!deciding && !whole.isEmpty()) {
            return; // the leader decides; its dispatch records will tell
        }
        if (workers.isEmpty() && !whole.isEmpty()) {
            workflow.error = "no live worker in datacenter " + datacenter;
            workflow.move(WorkflowState.FAILED);
            failDependents(workflow);
            return;
        }
        boolean anyFree = workers.stream().anyMatch(worker -> worker.freeCores() > 0);
        List<Integer> weights = workers.stream()
                .map(worker -> anyFree ? worker.freeCores() : Math.max(1, worker.cores())).toList();
        List<LoadShare> parts = whole.isEmpty() ? List.of() : whole.split(weights);
        Map<String, String> variables = new HashMap<>(spec.variables());
        for (String dependency : workflow.spec.dependsOn()) {
            variables.putAll(workflows.get(dependency).exports);
        }
        for (int i = 0; i < parts.size(); i++) {
            if (parts.get(i).isEmpty()) {
                continue;
            }
            String worker = workers.get(i).id();
            workflow.shares.put(worker, new Share());
            commands.add(new Dispatch(new Payload.WorkflowDispatched(workflow.spec.name(), worker, submitted.spec(),
                    parts.get(i), variables, submitted.deadlineEpochMillis())));
        }
        if (workflow.shares.isEmpty()) {
            // Nothing to run here (this datacenter's share is empty): done at once.
            workflow.move(WorkflowState.DISPATCHED);
            workflow.move(WorkflowState.COMPLETED);
        } else {
            workflow.move(WorkflowState.DISPATCHED);
        }
    }

    /** Decides a workflow's state once all its shares have ended. */
    private void settle(Workflow workflow) {
        if (workflow.state.terminal() || !workflow.shares.values().stream().allMatch(share -> share.finished)) {
            return;
        }
        List<String> errors = workflow.shares.values().stream().filter(share -> share.outcome.equals("FAILED"))
                .map(share -> share.error).toList();
        if (!errors.isEmpty()) {
            workflow.error = String.join("; ", errors);
            workflow.move(WorkflowState.FAILED);
            failDependents(workflow);
        } else if (workflow.shares.values().stream().anyMatch(share -> share.outcome.equals("CANCELLED"))
                || stopStatus != null) {
            workflow.move(WorkflowState.CANCELLED);
        } else {
            workflow.move(WorkflowState.COMPLETED);
        }
    }

    private void failDependents(Workflow failed) {
        for (Workflow workflow : workflows.values()) {
            if (workflow.state == WorkflowState.PENDING && workflow.spec.dependsOn().contains(failed.spec.name())) {
                workflow.error = "not started: " + failed.spec.name() + " failed";
                workflow.move(WorkflowState.FAILED);
                failDependents(workflow);
            }
        }
    }

    private void finishIfDone(List<Command> commands) {
        if (finished || !workflows.values().stream().allMatch(workflow -> workflow.state.terminal())) {
            return;
        }
        finished = true;
        boolean failed = workflows.values().stream().anyMatch(workflow -> workflow.state == WorkflowState.FAILED);
        String status = stopStatus != null ? stopStatus : failed ? "FAILED" : "COMPLETED";
        Map<String, WorkflowWindow> totals = new LinkedHashMap<>();
        Map<String, String> errors = new LinkedHashMap<>();
        workflows.forEach((name, workflow) -> {
            totals.put(name, workflow.totals.toWindow());
            if (!workflow.error.isEmpty()) {
                errors.put(name, workflow.error);
            }
        });
        result = new Payload.DatacenterFinished(datacenter, status, stateNames(), totals, errors);
        commands.add(new Finish(result));
    }

    private Map<String, String> stateNames() {
        Map<String, String> names = new LinkedHashMap<>();
        workflows.forEach((name, workflow) -> names.put(name, workflow.state.name()));
        return names;
    }
}
