package io.stampede.manager.dispatch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import io.stampede.cluster.overload.ExtensionGrants;
import io.stampede.model.JobId;
import io.stampede.model.ShareKey;
import io.stampede.model.job.JobSpec;
import io.stampede.model.job.JobSpecParser;
import io.stampede.model.job.LoadShare;
import io.stampede.model.job.WorkflowSpec;
import io.stampede.model.lifecycle.DatacenterJobStatus;
import io.stampede.model.lifecycle.ShareState;
import io.stampede.model.lifecycle.WorkflowState;
import io.stampede.model.load.Backpressure;
import io.stampede.model.load.Extensions;
import io.stampede.model.stats.JobStatistics;
import io.stampede.model.stats.Unaccounted;
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

    /** Re-runs of lost shares allowed per job (the reference design's budget). */
    public static final int JOB_RERUN_BUDGET = 10;
    /** Re-runs of lost shares allowed per workflow. */
    public static final int WORKFLOW_RERUN_BUDGET = 3;

    /** One worker's part of one workflow, in one attempt. */
    private final class Share {
        final ShareKey key;
        final String worker;
        final int attempt;
        final LoadShare part;
        final Map<String, String> variables;
        /** When a re-run ends; 0 for a first attempt, which runs as the job says. */
        final long endsAt;
        /** The start of the worker process it was dispatched to; 0 when not known. */
        final long workerStartedAtMillis;
        /** Everything this share reported in windows, kept so that a lost share's work still counts. */
        final WorkflowAccumulator reported;
        /** The last window this share reported; null before its first. */
        WorkflowWindow lastWindow;
        long firstWindowStart = -1;
        /** Given up because its worker was lost: told to stop, and told again by a new leader. */
        boolean givenUp;
        ShareState state = ShareState.RUNNING;
        String error = "";

        Share(String workflow, String worker, int attempt, LoadShare part, Map<String, String> variables, long endsAt,
                long workerStartedAtMillis) {
            this.workerStartedAtMillis = workerStartedAtMillis;
            this.key = new ShareKey(jobId, workflow, worker, attempt);
            this.worker = worker;
            this.attempt = attempt;
            this.part = part;
            this.variables = variables;
            this.endsAt = endsAt;
            this.reported = new WorkflowAccumulator(workflow);
        }

        boolean finished() {
            return state.terminal();
        }

        void end(ShareState outcome) {
            state = state.moveTo(outcome);
        }
    }

    /** One workflow here. */
    private final class Workflow {
        final WorkflowSpec spec;
        WorkflowState state = WorkflowState.PENDING;
        final Map<ShareKey, Share> shares = new LinkedHashMap<>();
        final WorkflowAccumulator totals;
        /** Windows received since the last progress, merged per second of the clock they start in. */
        final NavigableMap<Long, WorkflowAccumulator> sinceLastProgress = new TreeMap<>();
        final Map<String, String> exports = new HashMap<>();
        String error = "";
        /** What happened to lost shares: reported with the result even when the workflow completes. */
        final List<String> notes = new ArrayList<>();
        int nextAttempt = 1;
        int reruns;
        /** Lost shares a follower expects the leader to re-run. */
        final List<PendingRerun> pendingReruns = new ArrayList<>();

        Workflow(WorkflowSpec spec) {
            this.spec = spec;
            this.totals = new WorkflowAccumulator(spec.name());
        }

        void move(WorkflowState next) {
            state = state.moveTo(next);
        }

        /** The job cut down to this workflow, for its dispatches. */
        String document() {
            if (documents == null) {
                documents = JobSpecParser.workflowDocuments(submitted.spec());
            }
            return documents.get(spec.name());
        }
    }

    private final JobId jobId;
    private final String datacenter;
    private final Payload.JobSubmitted submitted;
    private final JobSpec spec;
    private final Map<String, Workflow> workflows = new LinkedHashMap<>();
    /** The workflows others depend on: their exports go to the gates, for a job the gates release. */
    private final Set<String> dependedOn = new HashSet<>();
    private DatacenterJobStatus status = DatacenterJobStatus.SUBMITTED;
    /** Each workflow's part of the job, read from the job's text once, on the first dispatch. */
    private Map<String, String> documents;
    /** What a stopping job ends as: CANCELLED or TIMED_OUT; null unless stopping. */
    private DatacenterJobStatus stopAs;
    private Payload.DatacenterFinished result;
    /** A lost share a follower expects the leader to re-run: when it ends, and how it was lost. */
    private record PendingRerun(Share lost, long endsAt, String gone) {
    }

    /** What lost workers may have sent after their last reported window. */
    private Unaccounted unaccounted = Unaccounted.NONE;
    /** The strongest backpressure this datacenter's manager asked its workers for during the job. */
    private Backpressure strongestBackpressure = Backpressure.NONE;
    /** Extra time asked for per share, and what was granted in all. */
    private final Map<ShareKey, ExtensionGrants> grants = new HashMap<>();
    private Extensions extensions = Extensions.NONE;
    private int reruns;
    /** When the job started waiting for a free core (QUEUED), epoch ms; -1 when it never waited. */
    private long queuedAtMillis = -1;
    /** Dependent workflows the gates released, for a job in several datacenters ({@link Payload.JobSubmitted#gatesRelease}). */
    private final Map<String, Payload.WorkflowReleased> released = new HashMap<>();
    /**
     * Whether this manager decides for the job (it leads the datacenter). A follower keeps the
     * same state from the same records, but takes dispatch decisions from the leader's
     * {@code workflow.dispatched} records instead of making its own, so it can take over at any
     * moment without dispatching anything twice.
     */
    private boolean deciding = true;
    /** What happened to the job here since the last progress, for its timeline: only the leader's decisions. */
    private final List<Payload.Incident> incidents = new ArrayList<>();
    /** Incidents left out since the last progress: more than {@value #MAX_INCIDENTS} came at once. */
    private int incidentsLeftOut;
    /** The most incidents one progress record carries. */
    static final int MAX_INCIDENTS = 50;

    public DatacenterJob(JobId jobId, String datacenter, Payload.JobSubmitted submitted, JobSpec spec) {
        this.jobId = jobId;
        this.datacenter = datacenter;
        this.submitted = submitted;
        this.spec = spec;
        for (WorkflowSpec workflow : spec.workflowsInDependencyOrder()) {
            workflows.put(workflow.name(), new Workflow(workflow));
            dependedOn.addAll(workflow.dependsOn());
        }
    }

    public JobId jobId() {
        return jobId;
    }

    public boolean finished() {
        return status.terminal();
    }

    public DatacenterJobStatus status() {
        return status;
    }

    /** When the job must stop, epoch milliseconds, with the extensions granted here; 0 for no limit. */
    public long deadlineEpochMillis() {
        long deadline = submitted.deadlineEpochMillis();
        return deadline > 0 ? deadline + extensions.extraMillis() : 0;
    }

    /**
     * The datacenter's leader told its workers {@code level} ({@code datacenter.backpressure}): a
     * worker lost from now on may have held back windows that long, and its unaccounted bound says
     * so. Every manager applies the same records, so a new leader bounds as the old one would.
     */
    public void backpressure(Backpressure level) {
        strongestBackpressure = strongestBackpressure.worst(level);
    }

    /** The extensions granted and denied here so far. */
    public Extensions extensions() {
        return extensions;
    }

    /**
     * A slow share asks for more time before the job's timeout ({@link ExtensionGrants}): granted
     * while it makes progress, 15 s, then 7.5, 3.75 … (at least 1 s), at most 5 times per share;
     * the job's timeout here moves by the most any one share was granted. A request from a share
     * that has ended, or in a job without a timeout, is ignored. Followers apply the same records,
     * so a new leader knows the same deadline.
     *
     * @return what was decided, for the log; empty when the request was ignored
     */
    public Optional<String> onExtensionRequested(Payload.ExtensionRequested request) {
        Workflow workflow = workflows.get(request.workflow());
        ShareKey key = new ShareKey(jobId, request.workflow(), request.worker(), request.attempt());
        Share share = workflow == null ? null : workflow.shares.get(key);
        if (share == null || share.finished() || submitted.deadlineEpochMillis() <= 0 || finished() || stopAs != null) {
            return Optional.empty();
        }
        ExtensionGrants.Decision decision = grants.getOrDefault(key, ExtensionGrants.none()).request(request.progress());
        grants.put(key, decision.after());
        if (decision instanceof ExtensionGrants.Granted granted) {
            long extra = Math.max(extensions.extraMillis(), decision.after().granted().toMillis());
            extensions = new Extensions(extensions.granted() + 1, extensions.denied(), extra, extensions.lastDenial());
            return Optional.of("granted " + granted.extra().toMillis() / 1000.0 + " s to " + key + " at "
                    + Math.round(request.progress() * 100) + "% (eta " + request.etaMillis() / 1000 + " s, "
                    + request.activeVus() + " virtual users)");
        }
        String why = ((ExtensionGrants.Denied) decision).reason();
        extensions = new Extensions(extensions.granted(), extensions.denied() + 1, extensions.extraMillis(),
                key.worker() + ": " + why);
        return Optional.of("denied " + key + ": " + why);
    }

    private void move(DatacenterJobStatus next) {
        status = status.moveTo(next);
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
     * This manager has just become the leader: it re-runs lost shares its predecessor did not,
     * dispatches what is ready, re-sends the cancels
     * of a stopped job (a follower sends none), and re-sends the result of a job that finished
     * while it followed, in case the old leader died before sending it.
     */
    public List<Command> takeOver(List<WorkerRegistry.Worker> workers, long nowMillis) {
        deciding = true;
        if (finished()) {
            return List.of(new Finish(result));
        }
        if (stopAs == null) {
            List<Command> commands = new ArrayList<>();
            for (Workflow workflow : workflows.values()) {
                // A follower sent none of the stops for the shares it gave up: a paused worker may
                // still be running one.
                workflow.shares.values().stream().filter(share -> share.givenUp).forEach(share -> commands.add(
                        new CancelShare(new Payload.WorkflowCancelRequested(workflow.spec.name(), share.worker,
                                share.attempt))));
                for (PendingRerun pending : List.copyOf(workflow.pendingReruns)) {
                    workflow.pendingReruns.remove(pending);
                    rerun(workflow, pending.lost(), pending.endsAt(), pending.gone(), workers.stream()
                            .filter(live -> !live.id().equals(pending.lost().worker)).toList(), nowMillis, commands);
                }
            }
            commands.addAll(advance(workers));
            return commands;
        }
        List<Command> commands = new ArrayList<>();
        for (Workflow workflow : workflows.values()) {
            cancelUnfinished(workflow, commands);
        }
        return commands;
    }

    private static void cancelUnfinished(Workflow workflow, List<Command> commands) {
        workflow.shares.values().forEach(share -> {
            if (!share.finished()) {
                commands.add(new CancelShare(new Payload.WorkflowCancelRequested(workflow.spec.name(), share.worker,
                        share.attempt)));
            }
        });
    }

    /** A dispatch the leader made (this manager's own included, which changes nothing). */
    /**
     * Whether a worker's report about a share may yet be applied once its dispatch is read: the
     * workflow exists and has not ended, and this job has read no dispatch of that share yet (a
     * manager rebuilding a job reads its topics in no set order across them).
     */
    public boolean awaitsDispatch(String workflowName, String worker, int attempt) {
        Workflow workflow = workflows.get(workflowName);
        return workflow != null && !workflow.state.terminal()
                && !workflow.shares.containsKey(new ShareKey(jobId, workflowName, worker, attempt));
    }

    public void observeDispatch(Payload.WorkflowDispatched dispatched) {
        Workflow workflow = workflows.get(dispatched.workflow());
        ShareKey key = new ShareKey(jobId, dispatched.workflow(), dispatched.worker(), dispatched.attempt());
        if (workflow == null || workflow.shares.containsKey(key) || workflow.state.terminal()) {
            return;
        }
        workflow.shares.put(key, new Share(workflow.spec.name(), dispatched.worker(), dispatched.attempt(),
                dispatched.share(), dispatched.variables(), dispatched.endsAtEpochMillis(),
                dispatched.workerStartedAtMillis()));
        workflow.nextAttempt = Math.max(workflow.nextAttempt, dispatched.attempt() + 1);
        if (dispatched.attempt() > 0 && !workflow.pendingReruns.isEmpty()) {
            workflow.pendingReruns.remove(0);
        }
        if (workflow.state == WorkflowState.PENDING) {
            workflow.move(WorkflowState.DISPATCHED);
        }
        if (status == DatacenterJobStatus.SUBMITTED || status == DatacenterJobStatus.QUEUED) {
            move(DatacenterJobStatus.RUNNING); // the leader started it
        }
    }

    /**
     * The gates released a dependent workflow (a job in several datacenters): its dependencies
     * have ended everywhere. It starts with the exports merged over every datacenter, or fails
     * when they completed nowhere. Repeated releases (a new owner of the job sends them again)
     * change nothing.
     */
    public List<Command> onReleased(Payload.WorkflowReleased release, List<WorkerRegistry.Worker> workers) {
        Workflow workflow = workflows.get(release.workflow());
        if (workflow == null || !submitted.gatesRelease() || released.putIfAbsent(release.workflow(), release) != null
                || status == DatacenterJobStatus.QUEUED) {
            return List.of(); // a waiting job takes its releases when it starts
        }
        failReleasedAsFailed();
        return advance(workers);
    }

    /** Fails the pending workflows the gates released as failed (their dependencies completed nowhere). */
    private void failReleasedAsFailed() {
        released.values().stream().filter(release -> !release.failure().isEmpty()).forEach(release -> {
            Workflow workflow = workflows.get(release.workflow());
            if (workflow.state == WorkflowState.PENDING) {
                workflow.error = "not started: " + release.failure();
                workflow.move(WorkflowState.FAILED);
                failDependents(workflow);
            }
        });
    }

    /**
     * Holds the job: it came while every worker here was busy with other jobs, or while other jobs
     * waited ({@link JobQueue#mustWait}). Nothing is dispatched until {@link #start}; it shows as
     * QUEUED to the gates.
     */
    public void queue(long nowMillis) {
        if (status == DatacenterJobStatus.SUBMITTED) {
            move(DatacenterJobStatus.QUEUED);
            queuedAtMillis = nowMillis;
        }
    }

    public boolean queued() {
        return status == DatacenterJobStatus.QUEUED;
    }

    /** When the job started waiting, epoch ms; -1 when it never waited. */
    public long queuedAtMillis() {
        return queuedAtMillis;
    }

    /**
     * When the first of this job's running shares should end, epoch ms: a re-run's end, or its
     * first window (or now) plus its workflow's duration, and at the latest the job's deadline.
     * {@link Long#MAX_VALUE} when none can be told.
     */
    public long earliestShareEndMillis(long nowMillis) {
        long earliest = Long.MAX_VALUE;
        for (Workflow workflow : workflows.values()) {
            Optional<Duration> duration = workflow.spec.load().duration();
            for (Share share : workflow.shares.values()) {
                if (share.finished()) {
                    continue;
                }
                long end = share.endsAt > 0 ? share.endsAt
                        : duration.isPresent() ? (share.firstWindowStart >= 0 ? share.firstWindowStart : nowMillis)
                                + duration.get().toMillis()
                        : Long.MAX_VALUE;
                if (deadlineEpochMillis() > 0) {
                    end = Math.min(end, deadlineEpochMillis());
                }
                earliest = Math.min(earliest, end);
            }
        }
        return earliest;
    }

    /** Whether the job has anything to run here (a datacenter's share of every workflow may be empty). */
    public boolean hasWorkHere() {
        return workflows.values().stream().anyMatch(workflow ->
                !submitted.shares().getOrDefault(workflow.spec.name(), LoadShare.whole(workflow.spec)).isEmpty());
    }

    /** Lets a queued job go: it runs from now on, as if it had just come. */
    public List<Command> start(List<WorkerRegistry.Worker> workers) {
        if (status != DatacenterJobStatus.QUEUED) {
            return List.of();
        }
        move(DatacenterJobStatus.RUNNING);
        failReleasedAsFailed();
        return advance(workers);
    }

    /** Dispatches every workflow whose dependencies have completed, across {@code workers}. */
    public List<Command> advance(List<WorkerRegistry.Worker> workers) {
        List<Command> commands = new ArrayList<>();
        if (stopAs == null && status != DatacenterJobStatus.QUEUED) {
            for (Workflow workflow : workflows.values()) {
                if (workflow.state == WorkflowState.PENDING && dependenciesCompleted(workflow)) {
                    dispatch(workflow, workers, commands);
                }
            }
        }
        finishIfDone(commands);
        return commands;
    }

    /**
     * A worker's window: the workflow is running, and the window counts towards progress. Returns
     * false when it does not count: its share has ended or was given up (its worker was thought
     * lost and the share re-ran elsewhere), or is unknown here.
     */
    public boolean onWindow(Payload.WorkflowWindowReported report) {
        Workflow workflow = workflows.get(report.workflow());
        Share share = workflow == null ? null
                : workflow.shares.get(new ShareKey(jobId, report.workflow(), report.worker(), report.attempt()));
        if (share == null || share.finished() || workflow.state.terminal()) {
            return false;
        }
        share.reported.addConcurrent(report.window());
        share.lastWindow = report.window();
        if (share.firstWindowStart < 0) {
            share.firstWindowStart = report.window().startMillis();
        }
        if (workflow.state == WorkflowState.DISPATCHED) {
            workflow.move(WorkflowState.RUNNING);
        }
        workflow.sinceLastProgress.computeIfAbsent(JobStatistics.secondOf(report.window()),
                second -> new WorkflowAccumulator(workflow.spec.name())).addConcurrent(report.window());
        return true;
    }

    /** A worker's share has ended; dependents may start, or the job may be over. */
    public List<Command> onFinished(Payload.WorkflowFinished report, List<WorkerRegistry.Worker> workers) {
        Workflow workflow = workflows.get(report.workflow());
        if (workflow == null) {
            return List.of();
        }
        Share share = workflow.shares.get(new ShareKey(jobId, report.workflow(), report.worker(), report.attempt()));
        if (share == null || share.finished()) {
            return List.of();
        }
        share.end(report.outcome());
        share.error = report.error();
        if (report.outcome() != ShareState.FAILED && !report.error().isEmpty()) {
            workflow.notes.add(report.error()); // what the share had to give up, such as shed virtual users
        }
        workflow.totals.addConcurrent(report.totals());
        workflow.exports.putAll(report.exports());
        settle(workflow);
        return advance(workers);
    }

    /**
     * A worker is gone. What its unfinished shares reported still counts, and what they may have
     * sent after their last window is declared ({@link Unaccounted}). A share of a
     * duration-based workflow is run again on another worker for the time it had left, within
     * the re-run budgets ({@value #WORKFLOW_RERUN_BUDGET} per workflow, {@value #JOB_RERUN_BUDGET}
     * per job); any other lost share fails, saying why. Each lost share is also told to stop: a
     * worker that was only paused or cut off stops it when it reads the dispatch topic again, and
     * what it reports for it from then on is not counted.
     *
     * @param why       how it was lost, for the user ("membership declared it dead", "restarted")
     * @param workers   the live workers to re-run on: without the lost one, unless it restarted
     *                  (its new process may take its share back)
     * @param nowMillis the current time, epoch milliseconds
     */
    public List<Command> workerLost(String worker, String why, List<WorkerRegistry.Worker> workers, long nowMillis) {
        return lose(worker, share -> true, why, workers, nowMillis);
    }

    /**
     * A worker process is live: the shares of its id dispatched to an earlier process (a manager
     * that started after the worker restarted hears of it as new, not as a restart) are lost.
     */
    public List<Command> workerStarted(String worker, long startedAtMillis, List<WorkerRegistry.Worker> workers,
            long nowMillis) {
        return lose(worker, share -> share.workerStartedAtMillis != 0 && share.workerStartedAtMillis != startedAtMillis,
                "it restarted", workers, nowMillis);
    }

    private List<Command> lose(String worker, java.util.function.Predicate<Share> which, String why,
            List<WorkerRegistry.Worker> workers, long nowMillis) {
        List<Command> commands = new ArrayList<>();
        // A restarted worker's new process is among the live ones, and may take its own share back.
        List<WorkerRegistry.Worker> others = workers;
        for (Workflow workflow : workflows.values()) {
            boolean lostHere = false;
            for (Share share : List.copyOf(workflow.shares.values())) {
                if (share.worker.equals(worker) && !share.finished() && which.test(share)) {
                    lostHere = true;
                    workflow.totals.addConcurrent(share.reported.toWindow());
                    // Under backpressure a worker holds windows back: what it may not have reported
                    // spans the longest window it was asked for, if that is longer than its last.
                    double heldSeconds = strongestBackpressure.window().toMillis() / 1000.0;
                    // Its last window may have been a slow one (a pause, a busy machine): it may have
                    // sent since at its peers' pace, so the bound takes the faster of the two.
                    unaccounted = share.lastWindow != null
                            ? unaccounted.plusLost(worker, Math.max(Unaccounted.rate(share.lastWindow),
                                    peersRate(workflow, share)), Math.max(share.lastWindow.seconds(), heldSeconds))
                            : unaccounted.plusLost(worker, peersRate(workflow, share), heldSeconds);
                    share.givenUp = true;
                    commands.add(new CancelShare(new Payload.WorkflowCancelRequested(workflow.spec.name(), worker,
                            share.attempt)));
                    rerunOrFail(workflow, share, others, why, nowMillis, commands);
                }
            }
            if (lostHere) {
                settle(workflow);
            }
        }
        commands.addAll(advance(workers));
        return commands;
    }

    /**
     * The rate a share lost before its first window may have run at: its peers' last rates (the
     * other shares of the workflow here), per virtual user, or per unit of arrival rate, times its
     * own. It started at most a window before it was lost, or it would have reported.
     */
    private static double peersRate(Workflow workflow, Share lost) {
        double peerRate = 0;
        double peerWeight = 0;
        for (Share peer : workflow.shares.values()) {
            if (peer != lost && peer.lastWindow != null) {
                peerRate += Unaccounted.rate(peer.lastWindow);
                peerWeight += weight(peer.part);
            }
        }
        return peerWeight <= 0 ? 0 : peerRate / peerWeight * weight(lost.part);
    }

    private static double weight(LoadShare part) {
        return part.vus() > 0 ? part.vus() : part.rateFactor();
    }

    private static String lostWorker(String worker, String why) {
        return "worker " + worker + " was lost (" + why + ")";
    }

    private void rerunOrFail(Workflow workflow, Share lost, List<WorkerRegistry.Worker> others, String why,
            long nowMillis, List<Command> commands) {
        String gone = lostWorker(lost.worker, why);
        Optional<Duration> duration = workflow.spec.load() instanceof WorkflowSpec.Closed closed
                ? closed.duration() : Optional.empty();
        long endsAt = lost.endsAt > 0 ? lost.endsAt
                : duration.map(d -> (lost.firstWindowStart >= 0 ? lost.firstWindowStart : nowMillis) + d.toMillis())
                        .orElse(0L);
        String refusal = stopAs != null ? "the job was stopping"
                : duration.isEmpty() ? "only duration-based workflows are re-run"
                : endsAt <= nowMillis ? "its time was up"
                : workflow.reruns >= WORKFLOW_RERUN_BUDGET ? "the workflow's re-run budget (" + WORKFLOW_RERUN_BUDGET + ") is spent"
                : reruns >= JOB_RERUN_BUDGET ? "the job's re-run budget (" + JOB_RERUN_BUDGET + ") is spent"
                : deciding && others.isEmpty() ? "no other live worker"
                : null;
        if (refusal != null) {
            if (stopAs != null || endsAt > 0 && endsAt <= nowMillis) {
                lost.end(stopAs != null ? ShareState.CANCELLED : ShareState.COMPLETED);
                workflow.notes.add(gone + " near the end of its share; not re-run: " + refusal);
            } else {
                lost.end(ShareState.FAILED);
                lost.error = gone + "; not re-run: " + refusal;
            }
            if (deciding) {
                incident(nowMillis, Payload.Incident.WORKER_LOST, workflow, gone + "; its share (" + virtualUsers(lost.part)
                        + ") was not re-run: " + refusal);
            }
            return;
        }
        lost.end(ShareState.COMPLETED); // its part continues elsewhere
        workflow.reruns++;
        reruns++;
        if (!deciding) {
            // The leader picks the worker; its dispatch record will tell. Until then the workflow
            // is not done, and a new leader re-runs it itself.
            workflow.pendingReruns.add(new PendingRerun(lost, endsAt, gone));
            return;
        }
        rerun(workflow, lost, endsAt, gone, others, nowMillis, commands);
    }

    private void rerun(Workflow workflow, Share lost, long endsAt, String gone, List<WorkerRegistry.Worker> others,
            long nowMillis, List<Command> commands) {
        if (workflow.state.terminal()) {
            return; // an earlier lost share of this workflow already failed it
        }
        if (others.isEmpty()) {
            workflow.error = gone + "; not re-run: no other live worker";
            incident(nowMillis, Payload.Incident.WORKER_LOST, workflow, workflow.error);
            workflow.move(WorkflowState.FAILED);
            failDependents(workflow);
            return;
        }
        WorkerRegistry.Worker target = others.stream()
                .max(java.util.Comparator.comparingInt(WorkerRegistry.Worker::freeCores)).orElseThrow();
        int attempt = workflow.nextAttempt++;
        Share rerun = new Share(workflow.spec.name(), target.id(), attempt, lost.part, lost.variables, endsAt,
                target.startedAtMillis());
        workflow.shares.put(rerun.key, rerun);
        workflow.notes.add(gone + "; its share (" + lost.part.vus() + " VUs) re-ran on " + target.id() + " for the "
                + Math.max(0, (endsAt - nowMillis) / 1000) + " s it had left");
        incident(nowMillis, Payload.Incident.RE_RUN, workflow, gone + "; its share (" + virtualUsers(lost.part) + ") runs again on "
                + target.id() + " for the " + Math.max(0, (endsAt - nowMillis) / 1000) + " s it had left");
        commands.add(new Dispatch(new Payload.WorkflowDispatched(workflow.spec.name(), target.id(), workflow.document(),
                lost.part, lost.variables, submitted.deadlineEpochMillis(), attempt, endsAt, target.startedAtMillis())));
    }

    /**
     * Stops the job: pending workflows will not start and running shares are told to stop. The
     * job ends with {@code status} once every share has reported.
     *
     * @param outcome CANCELLED or TIMED_OUT
     */
    public List<Command> stop(DatacenterJobStatus outcome) {
        if (outcome != DatacenterJobStatus.CANCELLED && outcome != DatacenterJobStatus.TIMED_OUT) {
            throw new IllegalArgumentException("a job is stopped as CANCELLED or TIMED_OUT, not " + outcome);
        }
        List<Command> commands = new ArrayList<>();
        if (stopAs != null || finished()) {
            return commands;
        }
        stopAs = outcome;
        move(DatacenterJobStatus.STOPPING);
        for (Workflow workflow : workflows.values()) {
            if (workflow.state == WorkflowState.PENDING) {
                workflow.move(WorkflowState.CANCELLED);
            }
            cancelUnfinished(workflow, commands);
        }
        finishIfDone(commands);
        return commands;
    }

    /**
     * The windows received since the last call, merged per workflow and second, with every
     * workflow's state; null once the job has finished here and every window has gone out. It is
     * sent once a second even when no window came (a workflow waiting, a long request), so gates
     * can tell a quiet datacenter from a lost one.
     */
    public Payload.DatacenterProgress progress() {
        if (finished() && incidents.isEmpty()
                && workflows.values().stream().allMatch(workflow -> workflow.sinceLastProgress.isEmpty())) {
            return null;
        }
        Map<String, List<WorkflowWindow>> windows = new LinkedHashMap<>();
        for (Workflow workflow : workflows.values()) {
            if (!workflow.sinceLastProgress.isEmpty()) {
                windows.put(workflow.spec.name(),
                        workflow.sinceLastProgress.values().stream().map(WorkflowAccumulator::toWindow).toList());
                workflow.sinceLastProgress.clear();
            }
        }
        List<Payload.Incident> happened = new ArrayList<>(incidents);
        if (incidentsLeftOut > 0) {
            happened.add(new Payload.Incident(happened.get(happened.size() - 1).atMillis(), "left-out", "",
                    incidentsLeftOut + " more incidents in this second were left out"));
        }
        incidents.clear();
        incidentsLeftOut = 0;
        return new Payload.DatacenterProgress(datacenter, states(), windows, Backpressure.NONE, extensions, exported(),
                queued(), happened);
    }

    private static String virtualUsers(LoadShare part) {
        return part.vus() == 1 ? "1 virtual user" : part.vus() + " virtual users";
    }

    /** Notes an incident for the next progress, within {@value #MAX_INCIDENTS} a progress. */
    private void incident(long nowMillis, String kind, Workflow workflow, String detail) {
        if (incidents.size() < MAX_INCIDENTS) {
            incidents.add(new Payload.Incident(nowMillis, kind, workflow.spec.name(), detail));
        } else {
            incidentsLeftOut++;
        }
    }

    /**
     * For a job the gates release: what each completed workflow that others depend on exported,
     * sent with every progress until the job ends here (the gates merge them across datacenters).
     */
    private Map<String, Payload.Exported> exported() {
        if (!submitted.gatesRelease()) {
            return Map.of();
        }
        Map<String, Payload.Exported> exported = new LinkedHashMap<>();
        for (Workflow workflow : workflows.values()) {
            if (dependedOn.contains(workflow.spec.name()) && workflow.state == WorkflowState.COMPLETED) {
                long completedAt = workflow.shares.values().stream().filter(share -> share.lastWindow != null)
                        .mapToLong(share -> share.lastWindow.endMillis()).max().orElse(0);
                exported.put(workflow.spec.name(), new Payload.Exported(workflow.exports, completedAt));
            }
        }
        return exported;
    }

    private boolean dependenciesCompleted(Workflow workflow) {
        if (submitted.gatesRelease() && !workflow.spec.dependsOn().isEmpty()) {
            Payload.WorkflowReleased release = released.get(workflow.spec.name());
            return release != null && release.failure().isEmpty();
        }
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
        Payload.WorkflowReleased release = released.get(workflow.spec.name());
        if (release != null) {
            variables.putAll(release.exports());
        } else {
            for (String dependency : workflow.spec.dependsOn()) {
                variables.putAll(workflows.get(dependency).exports);
            }
        }
        for (int i = 0; i < parts.size(); i++) {
            if (parts.get(i).isEmpty()) {
                continue;
            }
            WorkerRegistry.Worker worker = workers.get(i);
            Share share = new Share(workflow.spec.name(), worker.id(), 0, parts.get(i), variables, 0,
                    worker.startedAtMillis());
            workflow.shares.put(share.key, share);
            commands.add(new Dispatch(new Payload.WorkflowDispatched(workflow.spec.name(), worker.id(),
                    workflow.document(), parts.get(i), variables, submitted.deadlineEpochMillis(), 0, 0,
                    worker.startedAtMillis())));
        }
        if (workflow.shares.isEmpty()) {
            // Nothing to run here (this datacenter's share is empty): done at once.
            workflow.move(WorkflowState.DISPATCHED);
            workflow.move(WorkflowState.COMPLETED);
        } else {
            workflow.move(WorkflowState.DISPATCHED);
            if (status == DatacenterJobStatus.SUBMITTED) {
                move(DatacenterJobStatus.RUNNING);
            }
        }
    }

    /** Decides a workflow's state once all its shares have ended. */
    private void settle(Workflow workflow) {
        if (workflow.state.terminal() || !workflow.pendingReruns.isEmpty()
                || !workflow.shares.values().stream().allMatch(Share::finished)) {
            return;
        }
        List<String> errors = workflow.shares.values().stream().filter(share -> share.state == ShareState.FAILED)
                .map(share -> share.error).toList();
        if (!errors.isEmpty()) {
            workflow.error = String.join("; ", errors);
            workflow.move(WorkflowState.FAILED);
            failDependents(workflow);
        } else if (workflow.shares.values().stream().anyMatch(share -> share.state == ShareState.CANCELLED)
                || stopAs != null) {
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
        if (finished() || !workflows.values().stream().allMatch(workflow -> workflow.state.terminal())) {
            return;
        }
        boolean failed = workflows.values().stream().anyMatch(workflow -> workflow.state == WorkflowState.FAILED);
        move(stopAs != null ? stopAs : failed ? DatacenterJobStatus.FAILED : DatacenterJobStatus.COMPLETED);
        Map<String, WorkflowWindow> totals = new LinkedHashMap<>();
        Map<String, String> errors = new LinkedHashMap<>();
        workflows.forEach((name, workflow) -> {
            totals.put(name, workflow.totals.toWindow());
            List<String> said = new ArrayList<>(workflow.notes);
            if (!workflow.error.isEmpty()) {
                said.add(0, workflow.error);
            }
            if (!said.isEmpty()) {
                errors.put(name, String.join("; ", said));
            }
        });
        result = new Payload.DatacenterFinished(datacenter, status, states(), totals, errors, unaccounted);
        commands.add(new Finish(result));
    }
}
