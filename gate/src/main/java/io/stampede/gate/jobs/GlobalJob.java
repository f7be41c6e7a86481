package io.stampede.gate.jobs;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.stampede.gate.routing.RoutingDecision;
import io.stampede.model.JobId;
import io.stampede.model.job.Threshold;
import io.stampede.model.job.WorkflowSpec;
import io.stampede.model.load.Backpressure;
import io.stampede.model.load.Extensions;
import io.stampede.model.lifecycle.DatacenterJobStatus;
import io.stampede.model.lifecycle.JobStatus;
import io.stampede.model.lifecycle.WorkflowState;
import io.stampede.model.stats.JobSeries;
import io.stampede.model.stats.JobStatistics;
import io.stampede.model.stats.Thresholds;
import io.stampede.model.stats.Unaccounted;
import io.stampede.model.stats.WorkflowReport;
import io.stampede.model.stats.WorkflowWindow;
import io.stampede.model.wire.Payload;

/**
 * One job across its datacenters, as a gate tracks it: each datacenter's status and statistics,
 * merged exactly into the job's. Statuses move only along their tables ({@link JobStatus},
 * {@link DatacenterJobStatus}). Not thread-safe.
 */
public final class GlobalJob {

    private final JobId id;
    private final String name;
    private final Instant submittedAt;
    private final long deadlineEpochMillis;
    /** How many datacenters must complete their part for the job to end PARTIAL when one is lost. */
    private final int minDatacenters;
    private final Map<String, DatacenterJobStatus> datacenterStatus = new LinkedHashMap<>();
    private final Map<String, Map<String, WorkflowState>> workflowStates = new LinkedHashMap<>();
    /** Each workflow's dependencies, for a job in several datacenters whose workflows depend on others. */
    private Map<String, List<String>> dependsOn = Map.of();
    /** What each datacenter's completed workflows exported, by datacenter and workflow. */
    private final Map<String, Map<String, Payload.Exported>> exported = new LinkedHashMap<>();
    /** Dependent workflows released to the datacenters by this gate. */
    private final Set<String> releasedDependents = new LinkedHashSet<>();
    private final JobStatistics statistics;
    private final Map<String, String> errors = new LinkedHashMap<>();
    /** When a record about the job last came from each datacenter, epoch ms; from when it was followed here. */
    private final Map<String, Long> lastHeard = new LinkedHashMap<>();
    /** The backpressure each datacenter's manager reported last, and the strongest it reported. */
    private final Map<String, Backpressure> backpressure = new LinkedHashMap<>();
    private final Map<String, Backpressure> strongestBackpressure = new LinkedHashMap<>();
    /** The extensions each datacenter's manager granted its slow shares. */
    private final Map<String, Extensions> extensions = new LinkedHashMap<>();
    private Unaccounted unaccounted = Unaccounted.NONE;
    /** When a datacenter last completed a request or moved a workflow on, epoch ms; from when it was followed here. */
    private long lastProgressMillis;
    private JobStatus status = JobStatus.SUBMITTED;
    /** CANCELLED or TIMED_OUT once the gates asked the job to stop; null before. */
    private JobStatus stopRequested;
    private String owner = "";
    private long fence;
    private Payload.JobFinished result;
    private RoutingDecision routing;
    /** The job's results over time, per workflow and datacenter. */
    private final JobSeries series = new JobSeries();
    /** Each open-model workflow's schedule, for the target rate of the series. */
    private Map<String, WorkflowSpec.Open> schedules = Map.of();
    /** Per open-model workflow, each datacenter's fraction of its rate. */
    private Map<String, Map<String, Double>> shares = Map.of();
    /** The job's thresholds with the gate's defaults; null until read from the job. */
    private List<Threshold> thresholds;
    /** When the job started running here, epoch ms; 0 before. */
    private long runningSinceMillis;
    /** When this gate saw the job end, epoch ms; 0 before, or when it had ended before this gate followed it. */
    private long endedAtMillis;
    /** The job's timeline, oldest first: at most {@value #MAX_EVENTS}. */
    private final List<JobEvent> events = new ArrayList<>();
    private int eventsLeftOut;
    /** What the timeline last noted, to note what changed since ({@link #note}). */
    private JobStatus notedStatus = JobStatus.SUBMITTED;
    private JobStatus notedStop;
    private String notedOwner = "";
    private final Map<String, DatacenterJobStatus> notedDatacenters = new LinkedHashMap<>();
    private final Map<String, Backpressure> notedBackpressure = new LinkedHashMap<>();
    /** The manager each datacenter's records about the job came from last, and its term. */
    private final Map<String, String> leaders = new LinkedHashMap<>();
    /** When this gate began to follow the job, epoch ms. */
    private final long followedAtMillis;
    /** Whether the gates' table says the job has ended (it may say so before this gate has seen the end). */
    private boolean endedInTheTable;
    /** Whether this gate has handed the job's results over to be sent to the results topic. */
    private boolean archived;

    /**
     * A job followed from {@code followedAtMillis}: each datacenter's silence counts from then.
     *
     * @param minDatacenters how many datacenters must complete their part for the job to end
     *                       PARTIAL when one is lost; 0 (or more than there are) for all of them
     */
    public GlobalJob(JobId id, String name, Instant submittedAt, long deadlineEpochMillis, List<String> datacenters,
            int minDatacenters, List<String> workflows, long followedAtMillis) {
        this.id = id;
        this.minDatacenters = minDatacenters <= 0 ? datacenters.size() : Math.min(minDatacenters, datacenters.size());
        this.name = name;
        this.submittedAt = submittedAt;
        this.deadlineEpochMillis = deadlineEpochMillis;
        this.statistics = new JobStatistics(datacenters, workflows);
        this.lastProgressMillis = followedAtMillis;
        this.followedAtMillis = followedAtMillis;
        datacenters.forEach(dc -> {
            datacenterStatus.put(dc, DatacenterJobStatus.SUBMITTED);
            notedDatacenters.put(dc, DatacenterJobStatus.SUBMITTED);
            lastHeard.put(dc, followedAtMillis);
        });
    }

    /** The most events a job's timeline keeps; later ones are counted, not kept. */
    public static final int MAX_EVENTS = 500;

    /**
     * Notes on the job's timeline, at {@code nowMillis}, what changed since it last noted: the
     * job's status, each datacenter's, the gate that owns it, each datacenter's backpressure, a
     * stop asked for and why.
     */
    public void note(long nowMillis) {
        if (status != notedStatus) {
            event(nowMillis, "status", "", "", "the job is " + status);
            notedStatus = status;
        }
        datacenterStatus.forEach((dc, now) -> {
            if (notedDatacenters.put(dc, now) != now) {
                event(nowMillis, "datacenter", dc, "", now == DatacenterJobStatus.LOST ? errors.getOrDefault(dc,
                        "lost") : "the job is " + now + " in " + dc);
            }
        });
        if (!owner.equals(notedOwner)) {
            if (!notedOwner.isEmpty()) {
                event(nowMillis, "owner", "", "", owner + " owns the job now, after " + notedOwner + " (fence " + fence + ")");
            }
            notedOwner = owner;
        }
        backpressure.forEach((dc, level) -> {
            Backpressure before = notedBackpressure.put(dc, level);
            if (level != (before == null ? Backpressure.NONE : before)) {
                event(nowMillis, "backpressure", dc, "", dc + "'s manager asks its workers for " + level);
            }
        });
        if (stopRequested != null && stopRequested != notedStop) {
            event(nowMillis, "stopping", "", "", stopRequested == JobStatus.CANCELLED ? "asked to stop: cancelled"
                    : stopRequested == JobStatus.TIMED_OUT ? "asked to stop: its timeout"
                    : errors.containsKey("thresholds") ? "asked to stop: " + errors.get("thresholds")
                    : errors.containsKey("job") ? "asked to stop: " + errors.get("job")
                    : "asked to stop: too few datacenters can complete their part");
            notedStop = stopRequested;
        }
    }

    /**
     * A record about the job came from {@code manager} under {@code term}: a manager other than the
     * datacenter's last one leads it now, and the timeline says so.
     */
    public void heardFrom(String datacenter, String manager, long term, long nowMillis) {
        String leader = manager + " (term " + term + ")";
        String before = leaders.put(datacenter, leader);
        if (before != null && !before.equals(leader)) {
            event(nowMillis, "leader", datacenter, "", manager + " leads " + datacenter + " for the job now (term " + term
                    + "), after " + before);
        }
    }

    private void event(long atMillis, String kind, String datacenter, String workflow, String detail) {
        if (events.size() < MAX_EVENTS) {
            events.add(new JobEvent(atMillis, kind, datacenter, workflow, detail));
        } else {
            eventsLeftOut++;
        }
    }

    /** The job's timeline, oldest first; when more happened than it keeps, a last event says how many more. */
    public List<JobEvent> events() {
        if (eventsLeftOut == 0) {
            return List.copyOf(events);
        }
        List<JobEvent> all = new ArrayList<>(events);
        all.add(new JobEvent(events.get(events.size() - 1).atMillis(), "left-out", "", "", eventsLeftOut
                + " more events were left out (a job keeps " + MAX_EVENTS + ")"));
        return all;
    }

    /** The workflows' dependencies, for the gates to release dependents in a job of several datacenters. */
    public void dependsOn(Map<String, List<String>> dependencies) {
        this.dependsOn = Map.copyOf(dependencies);
    }

    /**
     * The dependent workflows whose dependencies have now ended in every datacenter of the job
     * (a datacenter that has ended or was lost counts as ended), each released once: with the
     * dependencies' exports merged over the datacenters where they completed (for each variable,
     * the datacenter whose dependency completed last, ties by name), or failed when a dependency
     * completed nowhere.
     */
    public List<Payload.WorkflowReleased> releasable() {
        List<Payload.WorkflowReleased> releases = new ArrayList<>();
        if (status.terminal()) {
            return releases;
        }
        dependsOn.forEach((workflow, dependencies) -> {
            if (dependencies.isEmpty() || releasedDependents.contains(workflow)
                    || !dependencies.stream().allMatch(this::endedEverywhere)) {
                return;
            }
            Map<String, Written> merged = new LinkedHashMap<>();
            List<String> failed = new ArrayList<>();
            for (String dependency : dependencies) {
                boolean completed = false;
                for (String dc : datacenterStatus.keySet()) {
                    if (workflowStates.getOrDefault(dc, Map.of()).get(dependency) != WorkflowState.COMPLETED) {
                        continue;
                    }
                    completed = true;
                    Payload.Exported from = exported.getOrDefault(dc, Map.of()).get(dependency);
                    if (from == null) {
                        continue;
                    }
                    from.values().forEach((name, value) -> merged.merge(name,
                            new Written(value, from.completedAtMillis(), dc), Written::later));
                }
                if (!completed) {
                    failed.add(dependency);
                }
            }
            releasedDependents.add(workflow);
            Map<String, String> values = new LinkedHashMap<>();
            merged.forEach((name, written) -> values.put(name, written.value()));
            releases.add(new Payload.WorkflowReleased(workflow, values, failed.isEmpty() ? ""
                    : String.join(", ", failed) + " completed in no datacenter"));
        });
        return releases;
    }

    /** A variable's value as one datacenter exported it, and when its workflow completed there. */
    private record Written(String value, long completedAtMillis, String datacenter) {
        /** The last writer: the later completion, ties to the datacenter later by name. */
        static Written later(Written a, Written b) {
            return b.completedAtMillis > a.completedAtMillis
                    || b.completedAtMillis == a.completedAtMillis && b.datacenter.compareTo(a.datacenter) > 0 ? b : a;
        }
    }

    /** A release could not be sent: it is worked out and sent again at the next chance. */
    public void releaseFailed(String workflow) {
        releasedDependents.remove(workflow);
    }

    private boolean endedEverywhere(String workflow) {
        return datacenterStatus.entrySet().stream().allMatch(dc -> dc.getValue().terminal()
                || workflowStates.getOrDefault(dc.getKey(), Map.of()).getOrDefault(workflow, WorkflowState.PENDING)
                        .terminal());
    }

    /** Records why the job went to its datacenters, as its registration says. */
    public void routedBy(RoutingDecision decision) {
        this.routing = decision;
    }

    /** Why the job went to its datacenters; null for a job registered before decisions were recorded. */
    public RoutingDecision routing() {
        return routing;
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

    public JobId id() {
        return id;
    }

    public String name() {
        return name;
    }

    public Instant submittedAt() {
        return submittedAt;
    }

    /**
     * When the job times out, epoch milliseconds: its timeout, later by the most extra time any
     * datacenter granted its slow shares; 0 for no timeout.
     */
    public long deadlineEpochMillis() {
        long extra = extensions.values().stream().mapToLong(Extensions::extraMillis).max().orElse(0);
        return deadlineEpochMillis > 0 ? deadlineEpochMillis + extra : 0;
    }

    /** The extensions {@code datacenter}'s manager granted and denied. */
    public Extensions extensions(String datacenter) {
        return extensions.getOrDefault(datacenter, Extensions.NONE);
    }

    public JobStatus status() {
        return status;
    }

    public List<String> datacenters() {
        return List.copyOf(datacenterStatus.keySet());
    }

    /** The job's workflows, in its order. */
    public List<String> workflows() {
        return statistics.workflows();
    }

    public Map<String, DatacenterJobStatus> datacenterStatus() {
        return Map.copyOf(datacenterStatus);
    }

    /** What {@code datacenter}'s manager last asked its workers for, with its progress; NONE before any. */
    public Backpressure backpressure(String datacenter) {
        return backpressure.getOrDefault(datacenter, Backpressure.NONE);
    }

    /** The strongest backpressure {@code datacenter}'s manager asked for during the job. */
    public Backpressure strongestBackpressure(String datacenter) {
        return strongestBackpressure.getOrDefault(datacenter, Backpressure.NONE);
    }

    public Map<String, Map<String, WorkflowState>> workflowStates() {
        return Map.copyOf(workflowStates);
    }

    public Map<String, String> errors() {
        return Map.copyOf(errors);
    }

    /** What the datacenters' lost workers may have sent and not reported, over every datacenter. */
    public Unaccounted unaccounted() {
        return unaccounted;
    }

    /**
     * Records that the job was asked to stop; the first ask wins.
     *
     * @param outcome CANCELLED or TIMED_OUT
     * @return whether this ask is the one that counts (the job had not ended nor been asked before)
     */
    public boolean requestStop(JobStatus outcome) {
        if (outcome != JobStatus.CANCELLED && outcome != JobStatus.TIMED_OUT) {
            throw new IllegalArgumentException("a job is stopped as CANCELLED or TIMED_OUT, not " + outcome);
        }
        if (status.terminal() || stopRequested != null) {
            return false;
        }
        stopRequested = outcome;
        return true;
    }

    /**
     * A datacenter's progress: its windows add to the job's running totals. Returns false when it
     * was not taken: the datacenter is not the job's, has finished, or was given up as LOST.
     */
    public boolean onProgress(Payload.DatacenterProgress progress, long nowMillis) {
        if (!datacenterStatus.containsKey(progress.datacenter()) || status.terminal()
                || statistics.finished(progress.datacenter())
                || datacenterStatus.get(progress.datacenter()) == DatacenterJobStatus.LOST) {
            return false;
        }
        lastHeard.put(progress.datacenter(), nowMillis);
        backpressure.put(progress.datacenter(), progress.backpressure());
        strongestBackpressure.merge(progress.datacenter(), progress.backpressure(), Backpressure::worst);
        extensions.put(progress.datacenter(), progress.extensions());
        for (Payload.Incident incident : progress.incidents()) {
            event(incident.atMillis(), incident.kind(), progress.datacenter(), incident.workflow(), incident.detail());
        }
        // A datacenter reports every second; it runs the job once a workflow has left PENDING there.
        boolean started = !progress.windows().isEmpty()
                || progress.states().values().stream().anyMatch(state -> state != WorkflowState.PENDING);
        if (!started && progress.queued() && datacenterStatus.get(progress.datacenter()) == DatacenterJobStatus.SUBMITTED) {
            datacenterStatus.put(progress.datacenter(), DatacenterJobStatus.SUBMITTED.moveTo(DatacenterJobStatus.QUEUED));
        }
        Map<String, WorkflowState> before = workflowStates.put(progress.datacenter(), progress.states());
        if (!progress.exports().isEmpty()) {
            exported.computeIfAbsent(progress.datacenter(), dc -> new LinkedHashMap<>()).putAll(progress.exports());
        }
        if (!progress.states().equals(before) || progress.windows().values().stream().flatMap(List::stream)
                .anyMatch(window -> window.iterations() > 0 || window.steps().stream()
                        .anyMatch(step -> step.requests() > 0 || !step.notSent().isEmpty()))) {
            lastProgressMillis = nowMillis;
        }
        if (!started) {
            return true;
        }
        if (status == JobStatus.SUBMITTED) {
            status = status.moveTo(JobStatus.RUNNING);
            runningSinceMillis = nowMillis;
        }
        DatacenterJobStatus was = datacenterStatus.get(progress.datacenter());
        if (was == DatacenterJobStatus.SUBMITTED || was == DatacenterJobStatus.QUEUED) {
            datacenterStatus.put(progress.datacenter(), was.moveTo(DatacenterJobStatus.RUNNING));
        }
        statistics.onProgress(progress.datacenter(), progress.windows());
        return true;
    }

    /**
     * Takes a datacenter's windows into the job's series, also those it sends after its final
     * totals (its last windows); not those of a datacenter that is not the job's or was given up
     * as LOST. Returns whether they were taken.
     */
    public boolean record(Payload.DatacenterProgress progress) {
        if (!datacenterStatus.containsKey(progress.datacenter())
                || datacenterStatus.get(progress.datacenter()) == DatacenterJobStatus.LOST) {
            return false;
        }
        series.add(progress.datacenter(), progress.windows());
        return true;
    }

    /**
     * A datacenter's final result. Returns the job's final result when this was the last target
     * datacenter to finish, or null.
     */
    public Payload.JobFinished onFinished(Payload.DatacenterFinished finished) {
        DatacenterJobStatus before = datacenterStatus.get(finished.datacenter());
        if (before == null || before == DatacenterJobStatus.LOST || statistics.finished(finished.datacenter())
                || status.terminal()) {
            return null;
        }
        // The gate never sees STOPPING: a stopped job goes straight to its end here.
        DatacenterJobStatus through = finished.status() == DatacenterJobStatus.CANCELLED
                || finished.status() == DatacenterJobStatus.TIMED_OUT ? before.moveTo(DatacenterJobStatus.STOPPING)
                : before == DatacenterJobStatus.QUEUED ? before.moveTo(DatacenterJobStatus.RUNNING) // started since
                : before;
        datacenterStatus.put(finished.datacenter(), through.moveTo(finished.status()));
        workflowStates.put(finished.datacenter(), finished.states());
        statistics.onFinished(finished.datacenter(), finished.totals());
        finished.errors().forEach((workflow, error) -> errors.put(finished.datacenter() + "/" + workflow, error));
        unaccounted = unaccounted.plus(finished.unaccounted());
        return endIfEveryDatacenterHas();
    }

    /** The job's result when every datacenter has finished or been given up; null before. */
    private Payload.JobFinished endIfEveryDatacenterHas() {
        if (!datacenterStatus.keySet().stream().allMatch(dc -> statistics.finished(dc)
                || datacenterStatus.get(dc) == DatacenterJobStatus.LOST)) {
            return null;
        }
        status = status.moveTo(decide());
        result = new Payload.JobFinished(status, datacenterStatus, totals(), errors, unaccounted);
        return result;
    }

    /** The datacenters still expected to report that have been silent for {@code silence} at {@code nowMillis}. */
    public List<String> silent(long nowMillis, long silenceMillis) {
        if (status.terminal()) {
            return List.of();
        }
        return datacenterStatus.entrySet().stream()
                .filter(dc -> !dc.getValue().terminal() && !statistics.finished(dc.getKey()))
                .filter(dc -> nowMillis - lastHeard.get(dc.getKey()) >= silenceMillis)
                .map(Map.Entry::getKey).toList();
    }

    /**
     * Whether the other datacenters should now be asked to stop because too many were lost: true
     * once, when fewer than the job's minDatacenters can still complete their part and no stop
     * was asked for before (then the job ends FAILED when they have stopped). While enough can,
     * they run on, and the job ends PARTIAL if they complete.
     */
    public boolean stopAfterLoss() {
        if (status.terminal() || stopRequested != null) {
            return false;
        }
        long able = datacenterStatus.values().stream().filter(dc -> dc != DatacenterJobStatus.LOST
                && dc != DatacenterJobStatus.FAILED && dc != DatacenterJobStatus.CANCELLED
                && dc != DatacenterJobStatus.TIMED_OUT).count();
        if (able >= minDatacenters) {
            return false;
        }
        stopRequested = JobStatus.FAILED;
        return true;
    }

    /**
     * Gives a silent datacenter up: it is LOST, what it reported so far stays in the job's
     * statistics, and the reason is among the job's errors. Returns the job's result when this
     * was the last datacenter the job waited for, or null.
     */
    public Payload.JobFinished lost(String datacenter, String reason) {
        DatacenterJobStatus before = datacenterStatus.get(datacenter);
        if (before == null || before.terminal() || status.terminal()) {
            return null;
        }
        datacenterStatus.put(datacenter, before.moveTo(DatacenterJobStatus.LOST));
        errors.put(datacenter, reason);
        // What it reported is all there will be: its figures stop being live, its unfinished workflows failed there.
        statistics.onFinished(datacenter, statistics.perDatacenter(datacenter));
        Map<String, WorkflowState> states = new LinkedHashMap<>(workflowStates.getOrDefault(datacenter, Map.of()));
        states.replaceAll((workflow, state) -> state.terminal() ? state : state.moveTo(WorkflowState.FAILED));
        workflowStates.put(datacenter, states);
        return endIfEveryDatacenterHas();
    }

    /**
     * Stops the job as stuck when no datacenter has completed a request or moved a workflow on for
     * {@code stuckMillis}: it will end FAILED with what it has, saying why. True once, when it
     * had not ended nor been asked to stop before.
     */
    public boolean stopIfStuck(long nowMillis, long stuckMillis) {
        if (status.terminal() || stopRequested != null || nowMillis - lastProgressMillis < stuckMillis) {
            return false;
        }
        stopRequested = JobStatus.FAILED;
        errors.put("job", "stuck: no datacenter completed a request or moved a workflow on for "
                + stuckMillis / 1000 + " s (stampede.jobs.stuck-after); stopped with what it had");
        return true;
    }

    /**
     * What the gate needs of the job's document: the thresholds it is judged by (the gate's
     * defaults among them), its open-model workflows' schedules and each datacenter's share of
     * their rates; set once.
     */
    public void learn(List<Threshold> judgedBy, Map<String, WorkflowSpec.Open> openSchedules,
            Map<String, Map<String, Double>> rateShares) {
        if (thresholds == null) {
            thresholds = List.copyOf(judgedBy);
            schedules = Map.copyOf(openSchedules);
            shares = Map.copyOf(rateShares);
        }
    }

    /** Per open-model workflow, each datacenter's fraction of its rate, for the target rates of the series. */
    public Map<String, Map<String, Double>> shares() {
        return shares;
    }

    /**
     * A copy of the job's series (of one workflow, or all), to be read outside the lock that
     * guards this job: merging histograms into points takes a while for a long job.
     */
    public JobSeries seriesCopy(Optional<String> workflow) {
        return series.copy(workflow);
    }

    /** Each open-model workflow's schedule, for the target rates of the series. */
    public Map<String, WorkflowSpec.Open> schedules() {
        return schedules;
    }

    /** How long after the job's end its series still takes windows: a datacenter's last ones come after its totals. */
    public static final long SETTLING_MILLIS = 3_000;

    /** The job ended at {@code nowMillis}, as this gate saw it. */
    public void endedAt(long nowMillis) {
        if (endedAtMillis == 0) {
            endedAtMillis = nowMillis;
        }
    }

    /**
     * Whether the job's series is final: the job has ended at least {@value #SETTLING_MILLIS} ms
     * ago (or ended before this gate followed it).
     */
    public boolean settled(long nowMillis) {
        return status.terminal() && (endedAtMillis == 0 || nowMillis - endedAtMillis >= SETTLING_MILLIS);
    }

    /** The gates' table says the job has ended: until this gate has seen the end too, it holds no full results. */
    public void endedInTheTable() {
        endedInTheTable = true;
    }

    /**
     * A gate follows a job from its registration, within seconds of its submission; one that began
     * later (it restarted while the job ran) did not see the windows reported before.
     */
    static final long LATE_FOLLOW_MILLIS = 30_000;

    /**
     * When this gate began to follow the job well after its submission (it restarted while the job
     * ran): what its series lacks. Empty otherwise. The job's totals are exact either way: they
     * come with each datacenter's result.
     */
    public String seriesGap() {
        if (!holdsResults()) {
            return "this gate has not seen the job end (it restarted since, or has not read that far): it holds no full"
                    + " series for it";
        }
        long late = followedAtMillis - submittedAt.toEpochMilli();
        if (late < LATE_FOLLOW_MILLIS) {
            return "";
        }
        return "this gate began to follow the job " + late / 1000 + " s after its submission (it restarted while the job"
                + " ran): windows reported before " + Instant.ofEpochMilli(followedAtMillis) + " are not in the series";
    }

    /**
     * Whether this gate holds the job's results: it has seen the job end, or the job has not ended.
     * A job the gates' table says has ended that this gate has not seen end (it restarted and
     * follows the table's jobs again, or it has not read that far yet) is answered from the results
     * topic, which keeps its final view and series.
     */
    public boolean holdsResults() {
        return status.terminal() || !endedInTheTable;
    }

    /**
     * Whether the job's results are ready for the results topic and not sent yet: the job ended
     * while this gate followed it (so it holds the whole series) and has settled, or is about to be
     * released ({@code releasing}: its retention is shorter than the settling). True once.
     */
    public boolean archive(long nowMillis, boolean releasing) {
        if (archived || endedAtMillis == 0 || !(settled(nowMillis) || releasing)) {
            return false;
        }
        archived = true;
        return true;
    }

    /** When this gate saw the job end, epoch ms; 0 before, or when it ended before this gate followed it. */
    public long endedAtMillis() {
        return endedAtMillis;
    }

    /** Whether what {@link #learn} takes has been learnt from the job's document. */
    public boolean learnt() {
        return thresholds != null;
    }

    /** Each threshold's verdict on the job's statistics now; final once the job has ended. */
    public List<Thresholds.Verdict> verdicts() {
        return thresholds == null ? List.of() : statistics.verdicts(thresholds);
    }

    /**
     * Stops the job when a threshold with {@code abortOnFail} is crossed, once its delay since the
     * job started running has passed: it will end FAILED, saying which. True once, when it had not
     * ended nor been asked to stop before.
     */
    public boolean abortOnThresholds(long nowMillis) {
        if (status != JobStatus.RUNNING || stopRequested != null || thresholds == null) {
            return false;
        }
        List<Threshold> due = thresholds.stream().filter(Threshold::abortOnFail)
                .filter(threshold -> nowMillis - runningSinceMillis >= threshold.delay().toMillis()).toList();
        if (due.isEmpty()) {
            return false;
        }
        List<Thresholds.Verdict> crossed = statistics.verdicts(due).stream().filter(Thresholds.Verdict::failed).toList();
        if (crossed.isEmpty()) {
            return false;
        }
        stopRequested = JobStatus.FAILED;
        errors.put("thresholds", "aborted: " + crossed.stream().map(verdict -> verdict.description() + " was "
                + verdict.valueText()).collect(java.util.stream.Collectors.joining("; ")));
        return true;
    }

    /** Whether a datacenter of the job was given up as LOST. */
    public boolean lostAny() {
        return datacenterStatus.containsValue(DatacenterJobStatus.LOST);
    }

    private JobStatus decide() {
        // A lost datacenter's part is missing, whatever else happened: the job failed, or is
        // partial when enough of the others completed theirs.
        if (datacenterStatus.containsValue(DatacenterJobStatus.LOST)) {
            long completed = datacenterStatus.values().stream().filter(dc -> dc == DatacenterJobStatus.COMPLETED).count();
            boolean othersWhole = datacenterStatus.values().stream()
                    .allMatch(dc -> dc == DatacenterJobStatus.COMPLETED || dc == DatacenterJobStatus.LOST);
            return stopRequested == null && othersWhole && completed >= minDatacenters ? JobStatus.PARTIAL
                    : JobStatus.FAILED;
        }
        if (stopRequested != null) {
            return stopRequested;
        }
        if (datacenterStatus.containsValue(DatacenterJobStatus.TIMED_OUT)) {
            return JobStatus.TIMED_OUT;
        }
        if (datacenterStatus.containsValue(DatacenterJobStatus.FAILED)) {
            return JobStatus.FAILED;
        }
        if (datacenterStatus.containsValue(DatacenterJobStatus.CANCELLED)) {
            return JobStatus.CANCELLED;
        }
        return JobStatus.COMPLETED;
    }

    /** The job's statistics now, per workflow over every datacenter: final totals where a datacenter has them. */
    public Map<String, WorkflowWindow> totals() {
        return statistics.totals();
    }

    /** One datacenter's statistics per workflow. */
    public Map<String, WorkflowWindow> perDatacenter(String datacenter) {
        return statistics.perDatacenter(datacenter);
    }

    /** The job's figures per workflow, with each workflow's state over the datacenters. */
    public List<WorkflowReport> reports() {
        return statistics.reports(workflowStates);
    }

    /** One datacenter's figures per workflow. */
    public List<WorkflowReport> reports(String datacenter) {
        return statistics.reports(datacenter, workflowStates.getOrDefault(datacenter, Map.of()));
    }
}
