package io.stampede.gate.jobs;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.random.RandomGenerator;

import io.stampede.cluster.jobs.JobLedger;
import io.stampede.gate.ownership.Ownership;
import io.stampede.gate.routing.DatacenterRouter;
import io.stampede.gate.routing.Datacenters;
import io.stampede.model.JobId;
import io.stampede.model.Topics;
import io.stampede.model.job.JobSpec;
import io.stampede.model.job.JobSpecParser;
import io.stampede.model.job.LoadShare;
import io.stampede.model.job.Problem;
import io.stampede.model.job.Threshold;
import io.stampede.model.job.WorkflowSpec;
import io.stampede.model.security.KeyLimits;
import io.stampede.model.lifecycle.JobStatus;
import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.Payload;
import io.stampede.model.wire.RecordCodec;
import io.stampede.model.wire.ReplayFilter;
import io.stampede.model.lifecycle.DatacenterJobStatus;
import io.stampede.model.stats.Unaccounted;
import io.stampede.model.stats.WorkflowWindow;

/**
 * The gates' decisions about jobs, without I/O: accept a submission (validate, route, split),
 * follow every job the ownership table knows, apply the datacenters' reports, finish a job, cancel
 * it, end it at its timeout, move a gone gate's jobs, and forget jobs that ended. Driven by
 * records, table entries and {@code now}; every method returns the {@link Command}s to carry out.
 * {@code JobService} is the adapter that owns Kafka, Raft, timers and locks. Not thread-safe.
 *
 * <p>Every gate follows every job; only the job's owner (by the table) publishes its progress and
 * result and enforces its timeout, under the fence the table gives it.
 */
public final class GateJobs {

    /** Something for the adapter to do. */
    public sealed interface Command permits Publish, Replicate, Measure, StopMeasuring, Archive {
    }

    /** Export a datacenter's new windows of {@code job} as metrics (they are in the job's series). */
    public record Measure(JobId job, String datacenter, Map<String, List<WorkflowWindow>> windows) implements Command {
    }

    /**
     * Stop exporting {@code job}'s gauges (it ended), or all its metrics ({@code all}: this gate
     * no longer owns it, and its new owner exports it).
     */
    public record StopMeasuring(JobId job, boolean all) implements Command {
    }

    /**
     * Send a record about {@code job} under {@code fence}.
     *
     * @param topic where to, or empty for the events topic
     */
    public record Publish(Optional<String> topic, JobId job, long fence, Payload payload) implements Command {
    }

    /**
     * Send the job's results to {@code stampede.jobs.results}, as its owner, once its series has
     * settled: what they are made of, copied now (the job may be released before they are sent).
     */
    public record Archive(JobArchive.Source source) implements Command {
    }

    /** Submit a change to the gates' replicated ownership table. */
    public record Replicate(Ownership.Command change) implements Command {
    }

    /** The outcome of a submission. */
    public sealed interface Submission permits Accepted, Invalid, Conflict, Unroutable, TooLarge, OverLimits {
    }

    public record Accepted(JobId job) implements Submission {
    }

    public record Invalid(List<Problem> problems) implements Submission {
    }

    public record Conflict(JobId job) implements Submission {
    }

    public record Unroutable(String reason) implements Submission {
    }

    /** A job larger than a gate accepts: {@code bytes} as sent, or as the record it would travel in. */
    public record TooLarge(long bytes, String reason) implements Submission {
    }

    /** A valid job asking for more load than the caller's API key may ({@link KeyLimits}), each excess at its path. */
    public record OverLimits(List<Problem> problems) implements Submission {
    }

    /** What {@link #prepare} decided: answer at once, or register this entry in the table first. */
    public sealed interface Prepared permits Answer, Register {
    }

    public record Answer(Submission submission) implements Prepared {
    }

    /**
     * Register {@code entry} (it holds the job and each datacenter's share of it), then call
     * {@link #registered} with what the table answered.
     */
    public record Register(Ownership.Entry entry) implements Prepared {
    }

    /** What applying an events record did. */
    public sealed interface Applied permits Changed, Dropped, Ignored {
    }

    /** The job changed (listeners hear of it); {@code commands} to carry out. */
    public record Changed(JobId job, List<Command> commands) implements Applied {
    }

    /** Turned away by the replay filter or the ledger; counted by reason. */
    public record Dropped(ReplayFilter.Verdict verdict) implements Applied {
    }

    /** Nothing to do: not a record for gates, or about a job this gate does not follow. */
    public record Ignored() implements Applied {
    }

    /** What a gate holds about one job. */
    static final class GateJob {
        final GlobalJob job;
        final String idempotencyKey;
        final String bodyDigest;
        /** Whether this gate, as the job's owner, has published it to its datacenters. */
        boolean published;

        GateJob(GlobalJob job, String idempotencyKey, String bodyDigest) {
            this.job = job;
            this.idempotencyKey = idempotencyKey;
            this.bodyDigest = bodyDigest;
        }
    }

    /** Room in a job's record for everything besides its document: envelope, shares, names. */
    static final long RECORD_OVERHEAD_BYTES = 64 * 1024;

    private final String self;
    private final Duration datacenterSilence;
    private final Duration stuckAfter;
    /** The error rate a job without thresholds must stay below (stampede.jobs.max-error-rate). */
    private final double maxErrorRate;
    /** When this gate last read anything on the events topic: it judges silence only while it hears. */
    private long lastEventMillis;
    private final DatacenterRouter router;
    /** How many gates the gates' Raft group has, named in submissions and ownership statements. */
    private final IntSupplier gates;
    private final JobLedger<GateJob> ledger;
    private final Datacenters datacenters = new Datacenters(new java.util.SplittableRandom(1));
    /** Datacenter status records are fenced per datacenter: a deposed leader's status is not applied. */
    private final Map<String, ReplayFilter> statusReplays = new LinkedHashMap<>();
    private final Map<String, JobId> idempotencyKeys = new LinkedHashMap<>();
    /** Jobs whose statistics changed since progress was last published. */
    private final Set<JobId> changedSinceProgress = new LinkedHashSet<>();
    /** How long an ended job is kept, in milliseconds. */
    private final long retentionMillis;
    /** Moves of jobs to a new owner this gate has not stated yet: it states one once it sees the gate the job left down. */
    private final Map<JobId, Move> unstated = new LinkedHashMap<>();
    /** When this gate last saw each gate that owned a job down (not live), for the moves it states. */
    private final Map<String, Long> seenDown = new LinkedHashMap<>();

    /** How long after this gate last saw a gate down it states a move of a job from it, in milliseconds. */
    static final long SEEN_DOWN_MILLIS = 30_000;

    /**
     * A job's moves this gate has applied in the table and not stated: the job's latest generation,
     * and every gate it has left since this gate last stated one (a gate taken over could move a
     * live gate's job to a made-up one, then move it on from there: the live gate stays in the set).
     */
    private record Move(long generation, Set<String> from) {
    }

    /**
     * @param self              this gate's node id
     * @param datacenterSilence how long a datacenter may send nothing about a job it runs before it
     *                          is given up as LOST (a running datacenter reports every second)
     * @param stuckAfter        how long a job may go with no datacenter completing a request or moving
     *                          a workflow on before its owner stops it as stuck (it ends FAILED)
     * @param maxErrorRate      the error rate at which a job that sets no threshold fails its default one
     * @param released          told of every job the ledger lets go of, to forget it in the ownership
     *                          table too
     * @param gates             how many gates the gates' Raft group has now (1 or more)
     */
    public GateJobs(String self, DatacenterRouter router, JobLedger.Limits limits, Duration datacenterSilence,
            Duration stuckAfter, double maxErrorRate, Consumer<JobId> released, IntSupplier gates) {
        this.self = self;
        this.gates = gates;
        this.maxErrorRate = maxErrorRate;
        this.datacenterSilence = datacenterSilence;
        this.stuckAfter = stuckAfter;
        this.retentionMillis = limits.retention().toMillis();
        this.router = router;
        this.ledger = new JobLedger<>(limits, (id, entry) -> {
            if (!entry.idempotencyKey.isEmpty()) {
                idempotencyKeys.remove(entry.idempotencyKey, id);
            }
            changedSinceProgress.remove(id);
            unstated.remove(id);
            released.accept(id);
        });
    }

    /**
     * Decides what a submission needs: an answer now (invalid, a repeated Idempotency-Key,
     * unroutable) or a registration in the ownership table.
     *
     * @param liveGates this gate and the gates membership has up, for the job's owner
     */
    public Prepared prepare(String body, Optional<String> idempotencyKey, List<String> liveGates, long nowMillis,
            RandomGenerator random) {
        return prepare(read(body, spec -> List.of(), KeyLimits.NONE), idempotencyKey, liveGates, nowMillis, random);
    }

    /**
     * A job's document as read before anything else is decided: too large, or its digest, what the
     * parser made of it, where its requests would go that the target policy denies, and the
     * caller's limits. Stateless, so a gate reads a large document (and resolves its targets'
     * names) without holding the state every other request needs.
     */
    public record Read(String body, Optional<TooLarge> tooLarge, String digest, JobSpecParser.Result parsed,
            List<Problem> deniedTargets, KeyLimits limits) {
    }

    /**
     * Reads a job's document.
     *
     * @param screen where a readable job's requests would go that the target policy denies ({@link TargetScreen})
     * @param limits how much load the caller's API key may ask for
     */
    public static Read read(String body, Function<JobSpec, List<Problem>> screen, KeyLimits limits) {
        Optional<TooLarge> tooLarge = tooLarge(body);
        if (tooLarge.isPresent()) {
            return new Read(body, tooLarge, "", null, List.of(), limits);
        }
        JobSpecParser.Result parsed = JobSpecParser.read(body);
        return new Read(body, tooLarge, digest(body), parsed, parsed.job().map(screen).orElse(List.of()), limits);
    }

    /** As {@link #prepare(String, Optional, List, long, RandomGenerator)}, for a document read already. */
    public Prepared prepare(Read read, Optional<String> idempotencyKey, List<String> liveGates, long nowMillis,
            RandomGenerator random) {
        if (read.tooLarge().isPresent()) {
            return new Answer(read.tooLarge().get());
        }
        String digest = read.digest();
        Optional<Submission> repeated = idempotencyKey.flatMap(key -> repeated(key, digest));
        if (repeated.isPresent()) {
            return new Answer(repeated.get());
        }
        if (read.parsed().job().isEmpty()) {
            return new Answer(new Invalid(read.parsed().problems()));
        }
        JobSpec spec = read.parsed().job().get();
        if (!read.deniedTargets().isEmpty()) {
            return new Answer(new Invalid(read.deniedTargets()));
        }
        List<Problem> overLimits = read.limits().check(spec);
        if (!overLimits.isEmpty()) {
            return new Answer(new OverLimits(overLimits));
        }
        DatacenterRouter.Route route = router.route(spec.datacenters(), spec.placement(), datacenters.all(nowMillis),
                nowMillis);
        if (route instanceof DatacenterRouter.Refused refused) {
            return new Answer(new Unroutable(refused.reason()));
        }
        if (ledger.full()) {
            return new Answer(new Unroutable("this gate follows " + ledger.limits().maxJobs()
                    + " running jobs already (stampede.jobs.max-jobs); try again when some have ended"));
        }
        List<Datacenters.View> chosen = ((DatacenterRouter.Chosen) route).datacenters();
        if (spec.minDatacenters().orElse(1) > chosen.size()) {
            return new Answer(new Unroutable("the job needs at least " + spec.minDatacenters().get()
                    + " datacenters (minDatacenters); " + chosen.size() + " can run it now"));
        }
        JobId id = JobId.random(random);
        long deadline = read.limits().timeout(spec).map(timeout -> nowMillis + timeout.toMillis()).orElse(0L);
        Ownership.Entry entry = new Ownership.Entry(id, spec.name(), nowMillis, deadline,
                chosen.stream().map(Datacenters.View::name).toList(),
                spec.workflows().stream().map(WorkflowSpec::name).toList(), idempotencyKey.orElse(""), digest,
                Ownership.owner(id, liveGates), 1, false, read.body(), split(spec, chosen), spec.minDatacenters().orElse(0),
                route.decision());
        return new Register(entry);
    }

    private Optional<Submission> repeated(String key, String digest) {
        JobId known = idempotencyKeys.get(key);
        Optional<GateJob> entry = known == null ? Optional.empty() : ledger.get(known);
        return entry.map(job -> job.bodyDigest.equals(digest) ? new Accepted(known) : new Conflict(known));
    }

    /**
     * Splits each workflow across the chosen datacenters: by free cores (by workers when none is
     * free), or evenly for placement {@code spread}.
     */
    static Map<String, Map<String, LoadShare>> split(JobSpec spec, List<Datacenters.View> chosen) {
        boolean anyFree = chosen.stream().anyMatch(dc -> dc.freeCores() > 0);
        List<Integer> weights = chosen.stream().map(dc -> spec.placement().strategy() == JobSpec.Strategy.SPREAD ? 1
                : anyFree ? dc.freeCores() : Math.max(1, dc.healthyWorkers())).toList();
        Map<String, Map<String, LoadShare>> shares = new LinkedHashMap<>();
        chosen.forEach(dc -> shares.put(dc.name(), new LinkedHashMap<>()));
        for (WorkflowSpec workflow : spec.workflows()) {
            List<LoadShare> parts = LoadShare.whole(workflow).split(weights);
            for (int i = 0; i < chosen.size(); i++) {
                shares.get(chosen.get(i).name()).put(workflow.name(), parts.get(i));
            }
        }
        return shares;
    }

    /**
     * The table registered a submission. The answer may name another job: the same
     * Idempotency-Key reached the gates first through another submission, and that job is the
     * answer (or a conflict, when the bodies differ).
     *
     * @param proposed the entry {@link #prepare} proposed
     * @param out      the commands to carry out are added here
     */
    public Submission registered(Ownership.Entry registered, Ownership.Entry proposed, long nowMillis,
            List<Command> out) {
        Optional<GlobalJob> job = follow(registered, true, nowMillis, out);
        if (job.isEmpty()) {
            if (registered.id().equals(proposed.id())) {
                // Registered but never published: close it in the table, or every gate would follow it for good.
                out.add(new Replicate(new Ownership.Finished(registered.id())));
            }
            return new Unroutable("this gate cannot follow job " + registered.id() + ": it has ended and been"
                    + " forgotten, or this gate follows stampede.jobs.max-jobs jobs already");
        }
        if (!registered.id().equals(proposed.id())) {
            return registered.bodyDigest().equals(proposed.bodyDigest()) ? new Accepted(registered.id())
                    : new Conflict(registered.id());
        }
        // Its owner publishes it (follow): this gate, or another as soon as it hears of the entry.
        return new Accepted(registered.id());
    }

    /**
     * Follows a job the table knows: opens its entry when new, and notes its owner. The owner
     * publishes a running job to its datacenters the first time it follows it as owner: after its
     * registration, after taking it over, after a restart. When this gate has just become the
     * owner of a job that already has its result, it re-sends the result (the old owner may have
     * died before sending it).
     *
     * <p>A job the table holds finished has ended for this gate too, whether or not it saw the
     * datacenters' results (a restarted gate replays the table from its log: {@code Register},
     * then later {@code Finished}): its entry is released after the retention.
     *
     * @param evenIfFinished open an entry for a job the table holds finished (a repeated
     *                       Idempotency-Key names it); otherwise such a job, not followed here
     *                       already, is not followed
     */
    public Optional<GlobalJob> follow(Ownership.Entry entry, boolean evenIfFinished, long nowMillis,
            List<Command> out) {
        if (entry.finished() && !evenIfFinished && ledger.get(entry.id()).isEmpty()) {
            return Optional.empty();
        }
        Optional<GateJob> opened = ledger.open(entry.id(), id -> new GateJob(new GlobalJob(id, entry.name(),
                Instant.ofEpochMilli(entry.submittedAtMillis()), entry.deadlineEpochMillis(), entry.datacenters(),
                entry.minDatacenters(), entry.workflows(), nowMillis), entry.idempotencyKey(), entry.bodyDigest()));
        if (opened.isEmpty()) {
            return Optional.empty();
        }
        GlobalJob job = opened.get().job;
        if (entry.routing() != null) {
            job.routedBy(entry.routing());
        }
        boolean dependencies = entry.datacenters().size() > 1 && !entry.finished();
        if ((dependencies || !job.learnt()) && !entry.spec().isEmpty()) {
            JobSpecParser.read(entry.spec()).job().ifPresent(spec -> {
                if (dependencies) {
                    job.dependsOn(spec.workflows().stream()
                            .collect(Collectors.toMap(WorkflowSpec::name, WorkflowSpec::dependsOn)));
                }
                Map<String, WorkflowSpec.Open> schedules = new LinkedHashMap<>();
                spec.workflows().stream().filter(workflow -> workflow.load() instanceof WorkflowSpec.Open)
                        .forEach(workflow -> schedules.put(workflow.name(), (WorkflowSpec.Open) workflow.load()));
                Map<String, Map<String, Double>> shares = new LinkedHashMap<>();
                entry.shares().forEach((dc, byWorkflow) -> byWorkflow.forEach((workflow, share) -> {
                    if (schedules.containsKey(workflow)) {
                        shares.computeIfAbsent(workflow, w -> new LinkedHashMap<>()).put(dc, share.rateFactor());
                    }
                }));
                job.learn(judgedBy(spec.thresholds(), maxErrorRate), schedules, shares);
            });
        }
        String previousOwner = job.owner();
        if (!entry.finished() && entry.fence() > Math.max(1, job.fence()) && !previousOwner.isEmpty()
                && !previousOwner.equals(entry.owner())) {
            // Every gate, owner or not, states the job's new generation to its datacenters, where the
            // new owner's records under it wait until a majority of the gates has (docs/security.md);
            // it does once it sees the gate the job moved from down itself.
            Set<String> from = new TreeSet<>(Optional.ofNullable(unstated.get(entry.id())).map(Move::from)
                    .orElse(Set.of()));
            from.add(previousOwner);
            unstated.put(entry.id(), new Move(entry.fence(), from));
            if (from.stream().allMatch(gate -> nowMillis - seenDown.getOrDefault(gate, Long.MIN_VALUE / 2)
                    <= SEEN_DOWN_MILLIS)) {
                state(entry.id(), out);
            }
        }
        job.ownedBy(entry.owner(), entry.fence());
        if (previousOwner.equals(self) && !mine(job)) {
            out.add(new StopMeasuring(job.id(), true));
        }
        if (!entry.idempotencyKey().isEmpty()) {
            idempotencyKeys.putIfAbsent(entry.idempotencyKey(), entry.id());
        }
        if (!previousOwner.isEmpty() && !previousOwner.equals(entry.owner()) && mine(job)) {
            if (job.result() != null) {
                out.add(new Publish(Optional.empty(), job.id(), entry.fence(), job.result()));
            }
        }
        if (mine(job) && !entry.finished() && !opened.get().published && !entry.spec().isEmpty()) {
            // The owner publishes the job: when it is registered, and again when this gate takes it
            // over or restarts, since the gate that owned it may have died between the table's
            // commit and its publication. Datacenters that have it already ignore it.
            opened.get().published = true;
            entry.shares().forEach((dc, shares) -> {
                out.add(new Publish(Optional.of(Topics.jobs(dc)), entry.id(), entry.fence(),
                        new Payload.JobSubmitted(dc, entry.spec(), shares, entry.deadlineEpochMillis(),
                                entry.datacenters(), groupSize())));
                datacenters.dispatched(dc, entry.id().toString(), nowMillis);
            });
        }
        if (entry.finished()) {
            job.endedInTheTable();
            ledger.ended(entry.id(), nowMillis);
        }
        return Optional.of(job);
    }

    /**
     * The thresholds a job is judged by: its own, and the gates' default. A job that sets none
     * fails when its error rate reaches {@code maxErrorRate}; one that sets some, when every
     * request failed (unless it bounds the whole job's error rate itself).
     */
    static List<Threshold> judgedBy(List<Threshold> written, double maxErrorRate) {
        List<Threshold> thresholds = new ArrayList<>(written);
        boolean bounded = written.stream().anyMatch(threshold -> threshold.metric() == Threshold.Metric.ERROR_RATE
                && threshold.workflow().isEmpty() && threshold.bound() == Threshold.Bound.BELOW);
        if (!bounded) {
            thresholds.add(new Threshold(Optional.empty(), Optional.empty(), Threshold.Metric.ERROR_RATE,
                    Threshold.Bound.BELOW, written.isEmpty() ? maxErrorRate : 1.0, false, Duration.ZERO,
                    Threshold.Origin.DEFAULT));
        }
        return thresholds;
    }

    /** Applies a record from the events topic. */
    public Applied onEvent(Envelope envelope, long nowMillis) {
        lastEventMillis = Math.max(lastEventMillis, nowMillis);
        Payload payload = envelope.payload();
        if (payload instanceof Payload.DatacenterStatus status) {
            ReplayFilter.Verdict verdict = statusReplays.computeIfAbsent(status.datacenter(), dc -> new ReplayFilter())
                    .offer(envelope);
            if (verdict != ReplayFilter.Verdict.ACCEPTED) {
                return new Dropped(verdict);
            }
            datacenters.heard(status, envelope.fence(), nowMillis);
            return new Ignored();
        }
        if (!(payload instanceof Payload.DatacenterProgress || payload instanceof Payload.DatacenterFinished)) {
            return new Ignored();
        }
        JobLedger.Admission<GateJob> admission = ledger.admit(envelope, null);
        if (admission instanceof JobLedger.Turned<GateJob> turned) {
            return new Dropped(turned.verdict());
        }
        if (!(admission instanceof JobLedger.Admitted<GateJob> admitted)) {
            return new Ignored();
        }
        GlobalJob job = admitted.entry().job;
        job.heardFrom(((Payload.DatacenterReport) payload).datacenter(), envelope.sender(), envelope.fence(), nowMillis);
        List<Command> commands = new ArrayList<>();
        if (payload instanceof Payload.DatacenterProgress progress) {
            // Only the job's owner exports its metrics: every gate follows every job, and a scrape of
            // all of them must count each request once.
            if (job.record(progress) && !progress.windows().isEmpty() && mine(job)) {
                commands.add(new Measure(job.id(), progress.datacenter(), progress.windows()));
            }
            if (!job.onProgress(progress, nowMillis)) {
                // Windows sent after a datacenter's totals are in the series; nothing else changes.
                return commands.isEmpty() ? new Dropped(ReplayFilter.Verdict.LATE) : new Changed(job.id(), commands);
            }
            datacenters.progressed(progress.datacenter(), job.id().toString(), nowMillis);
            changedSinceProgress.add(job.id());
        } else {
            ended(job, job.onFinished((Payload.DatacenterFinished) payload), nowMillis, commands);
        }
        releaseDependents(job, commands);
        job.note(nowMillis);
        return new Changed(job.id(), commands);
    }

    /**
     * This gate could not publish the job to {@code datacenter} (Kafka refused it, or gave up
     * after its retries): that datacenter failed the job without running it, the others are asked
     * to stop, and the job ends FAILED, saying why, instead of waiting for a job nobody received.
     */
    public List<Command> publishFailed(JobId id, String datacenter, String reason, long nowMillis) {
        datacenters.dispatchFailed(datacenter, nowMillis);
        router.dispatchFailed(datacenter);
        List<Command> out = new ArrayList<>();
        Optional<GlobalJob> followed = job(id);
        if (followed.isEmpty() || followed.get().status().terminal()) {
            return out;
        }
        GlobalJob job = followed.get();
        String why = "the job could not be sent to datacenter " + datacenter + ": " + reason;
        ended(job, job.onFinished(new Payload.DatacenterFinished(datacenter, DatacenterJobStatus.FAILED, Map.of(),
                Map.of(), Map.of("", why), Unaccounted.NONE)), nowMillis, out);
        if (!job.status().terminal() && mine(job)) {
            stopEverywhere(job, why, out);
        }
        changedSinceProgress.add(id);
        return out;
    }

    /**
     * As the job's owner, releases the dependent workflows whose dependencies have ended in every
     * datacenter, to every datacenter still running the job (a job in several datacenters).
     */
    private void releaseDependents(GlobalJob job, List<Command> out) {
        if (!mine(job)) {
            return;
        }
        for (Payload.WorkflowReleased release : job.releasable()) {
            job.datacenterStatus().forEach((dc, status) -> {
                if (!status.terminal()) {
                    out.add(new Publish(Optional.of(Topics.jobs(dc)), job.id(), job.fence(), release));
                }
            });
        }
    }

    /** A job's end: released after the retention, and, by its owner, published and marked in the table. */
    private void ended(GlobalJob job, Payload.JobFinished finished, long nowMillis, List<Command> out) {
        if (finished != null) {
            ledger.ended(job.id(), nowMillis);
            job.endedAt(nowMillis);
            if (mine(job)) {
                out.add(new Publish(Optional.empty(), job.id(), job.fence(), finished));
                out.add(new Replicate(new Ownership.Finished(job.id())));
                // Its latency and user gauges would go on showing the last second's figures: gone with the job.
                out.add(new StopMeasuring(job.id(), false));
            }
        }
    }

    /**
     * Asks every datacenter of the job to stop it. Empty when the job is not followed here;
     * otherwise the job, with the commands added to {@code out} (none when it had already ended or
     * been asked to stop).
     */
    public Optional<GlobalJob> cancel(JobId id, String reason, List<Command> out) {
        Optional<GlobalJob> job = ledger.get(id).map(entry -> entry.job);
        job.filter(found -> found.requestStop(JobStatus.CANCELLED)).ifPresent(found -> stopEverywhere(found, reason, out));
        return job;
    }

    /**
     * Ends the jobs this gate follows as running whose results are on the results topic already
     * ({@code kept}), as the table's end would, and returns them: results are kept only after a
     * job ended. This is a gate that restarted after the job ended and before the gates committed
     * its end: it follows the table's registration, missed the datacenters' results, and would
     * otherwise judge the job's silence and fail it. Reads of the job are then answered from the
     * results topic; its owner marks it ended in the table.
     */
    public List<JobId> closeKept(Predicate<JobId> kept, long nowMillis, List<Command> out) {
        List<JobId> closing = ledger.byId().keySet().stream()
                .filter(id -> ledger.endedAt(id).isEmpty() && kept.test(id)).toList();
        for (JobId id : closing) {
            ledger.get(id).ifPresent(entry -> {
                entry.job.endedInTheTable();
                ledger.ended(id, nowMillis);
                if (mine(entry.job)) {
                    out.add(new Replicate(new Ownership.Finished(id)));
                    out.add(new StopMeasuring(id, false));
                }
            });
        }
        return closing;
    }

    /**
     * The periodic work, once a second: ends this gate's jobs past their timeout, publishes the
     * progress of its jobs that changed, moves the jobs of gone gates (when this gate leads the
     * gates), and releases jobs past their retention.
     *
     * @param liveGates this gate and the gates membership has up
     * @param leading   whether this gate leads the gates' Raft group
     * @param tableOwners the owner of every unfinished job in the ownership table
     */
    public List<Command> tick(long nowMillis, List<String> liveGates, boolean leading, Set<String> tableOwners) {
        List<Command> out = new ArrayList<>();
        ledger.byId().forEach((id, entry) -> {
            GlobalJob job = entry.job;
            if (mine(job) && job.deadlineEpochMillis() > 0 && nowMillis >= job.deadlineEpochMillis()
                    && ledger.endedAt(id).isEmpty() && job.requestStop(JobStatus.TIMED_OUT)) {
                stopEverywhere(job, "timeout", out);
            }
            // Every gate judges silence the same way, so every gate ends the job; its owner publishes it.
            // A gate that itself hears nothing (its consumer stalled or cut off) judges no one.
            // A job that has ended here (or in the table) is not judged again.
            if (ledger.endedAt(id).isEmpty() && nowMillis - lastEventMillis < datacenterSilence.toMillis() / 2) {
                for (String dc : job.silent(nowMillis, datacenterSilence.toMillis())) {
                    ended(job, job.lost(dc, "datacenter " + dc + " was lost: nothing about the job came from it for "
                            + datacenterSilence.toSeconds() + " s (its managers are gone or cut off); what it"
                            + " reported before is counted"), nowMillis, out);
                    if (mine(job)) {
                        // Only cut off, it may still be running: what it does from now on is not counted.
                        out.add(new Publish(Optional.of(Topics.jobs(dc)), id, job.fence(),
                                new Payload.JobCancelRequested("datacenter " + dc + " was given up as lost")));
                    }
                    changedSinceProgress.add(id);
                }
                // Every gate judges it stuck the same way, so every gate ends it FAILED; its owner stops it.
                if (ledger.endedAt(id).isEmpty() && job.stopIfStuck(nowMillis, stuckAfter.toMillis())) {
                    if (mine(job)) {
                        stopEverywhere(job, "stuck: no progress for " + stuckAfter.toSeconds() + " s", out);
                    }
                    changedSinceProgress.add(id);
                }
            }
            // Every gate judges the thresholds the same way, on the same figures, so every gate ends the job
            // FAILED saying which; its owner stops it.
            if (ledger.endedAt(id).isEmpty() && job.abortOnThresholds(nowMillis)) {
                if (mine(job)) {
                    stopEverywhere(job, "a threshold with abortOnFail was crossed: " + job.errors().get("thresholds"),
                            out);
                }
                changedSinceProgress.add(id);
            }
            // A job with a lost datacenter cannot be whole: when too few are left to reach its
            // minDatacenters, its owner stops the others, and it ends FAILED with what they have.
            if (mine(job) && job.lostAny() && job.stopAfterLoss()) {
                stopEverywhere(job, "a datacenter of the job was lost", out);
            }
            releaseDependents(job, out); // a lost datacenter counts as ended for the dependencies it ran
            job.note(nowMillis);
            // Once settled, or before this tick's expiry releases it (a retention shorter than the settling).
            boolean releasing = ledger.endedAt(id).map(ended -> nowMillis >= ended + retentionMillis).orElse(false);
            if (mine(job) && job.archive(nowMillis, releasing)) {
                out.add(new Archive(JobArchive.Source.of(job, job.fence(), job.settled(nowMillis))));
            }
        });
        for (JobId id : changedSinceProgress) {
            ledger.get(id).map(entry -> entry.job).filter(job -> !job.status().terminal() && mine(job))
                    .ifPresent(job -> out.add(new Publish(Optional.empty(), id, job.fence(),
                            new Payload.JobProgress(job.status(), job.datacenterStatus(), job.totals()))));
        }
        changedSinceProgress.clear();
        stateMoves(nowMillis, liveGates, tableOwners, out);
        if (leading) {
            Set<String> gone = new TreeSet<>(tableOwners);
            gone.removeAll(liveGates);
            gone.forEach(gate -> out.add(new Replicate(new Ownership.Reassign(gate, liveGates))));
        }
        ledger.expire(nowMillis);
        return out;
    }

    /**
     * Notes the gates that own jobs, or that jobs moved from, and that this gate sees down; states
     * the moves from gates it sees down. A gate states a move only when every gate the job left
     * since its last statement is down as this gate sees it, now or in the last
     * {@value #SEEN_DOWN_MILLIS} ms (one may be back by the time the move is committed): a gate
     * taken over that moves a live gate's jobs in the table, to itself or through a made-up gate,
     * gets no other gate's statement, so its records under the new generation are refused.
     */
    private void stateMoves(long nowMillis, List<String> liveGates, Set<String> tableOwners, List<Command> out) {
        seenDown.values().removeIf(at -> nowMillis - at > SEEN_DOWN_MILLIS);
        Set<String> live = new HashSet<>(liveGates);
        Set<String> owners = new TreeSet<>(tableOwners);
        unstated.values().forEach(move -> owners.addAll(move.from()));
        owners.stream().filter(gate -> !live.contains(gate)).forEach(gate -> seenDown.put(gate, nowMillis));
        for (Map.Entry<JobId, Move> move : List.copyOf(unstated.entrySet())) {
            boolean ended = ledger.get(move.getKey()).map(entry -> entry.job.status().terminal()).orElse(true);
            if (ended) {
                unstated.remove(move.getKey());
            } else if (move.getValue().from().stream().noneMatch(live::contains)) {
                state(move.getKey(), out);
            }
        }
    }

    /** States a job's move to each of its datacenters (the job is one this gate follows). */
    private void state(JobId id, List<Command> out) {
        Move move = unstated.remove(id);
        Payload.OwnershipStated stated = new Payload.OwnershipStated(move.generation(), groupSize());
        ledger.get(id).ifPresent(entry -> entry.job.datacenters()
                .forEach(dc -> out.add(new Publish(Optional.of(Topics.jobs(dc)), id, 0, stated))));
    }

    private void stopEverywhere(GlobalJob job, String reason, List<Command> out) {
        for (String dc : job.datacenters()) {
            out.add(new Publish(Optional.of(Topics.jobs(dc)), job.id(), job.fence(), new Payload.JobCancelRequested(reason)));
        }
    }

    private int groupSize() {
        return Math.max(1, gates.getAsInt());
    }

    private boolean mine(GlobalJob job) {
        return job.owner().equals(self);
    }

    /** The job, if this gate follows it. */
    public Optional<GlobalJob> job(JobId id) {
        return ledger.get(id).map(entry -> entry.job);
    }

    /** Every job followed here, oldest first. */
    public List<GlobalJob> jobs() {
        return ledger.entries().stream().map(entry -> entry.job).toList();
    }

    /** Every datacenter heard of, with its health at {@code nowMillis}. */
    public List<Datacenters.View> datacenters(long nowMillis) {
        return datacenters.all(nowMillis);
    }

    /** Datacenters to expect: each is AWAITING until heard from. */
    public void expect(List<String> names) {
        datacenters.expect(names);
    }

    /** A release of a dependent workflow could not be sent: it is sent again at the next tick. */
    public void releaseFailed(JobId id, String workflow) {
        job(id).ifPresent(job -> job.releaseFailed(workflow));
    }

    /** Where to probe each datacenter that answers probes. */
    public Map<String, String> probeTargets() {
        return datacenters.probeTargets();
    }

    public void probeAnswered(Datacenters.Report answer, double rttMillis, long nowMillis) {
        datacenters.answered(answer, rttMillis, nowMillis);
    }

    public void probeFailed(String datacenter, String why, long nowMillis) {
        datacenters.probeFailed(datacenter, why, nowMillis);
    }

    /** Jobs held whole. */
    public int retained() {
        return ledger.retained();
    }

    public int tombstones() {
        return ledger.tombstones();
    }

    /** Idempotency-Keys remembered: one per held job that had one. */
    public int idempotencyKeys() {
        return idempotencyKeys.size();
    }

    static String digest(String body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(body.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Whether a job is too large to accept: more than {@link JobSpecParser#MAX_JOB_BYTES} as
     * sent, or more than a record may carry ({@link RecordCodec#MAX_RECORD_BYTES}) once written
     * into its {@code job.submitted} record (JSON escaping can grow a document).
     */
    static Optional<TooLarge> tooLarge(String body) {
        long bytes = body.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > JobSpecParser.MAX_JOB_BYTES) {
            return Optional.of(new TooLarge(bytes, "the job is " + bytes + " bytes; a gate accepts at most "
                    + JobSpecParser.MAX_JOB_BYTES + " bytes (4 MiB)"));
        }
        long recordBytes = RecordCodec.jsonStringBytes(body) + RECORD_OVERHEAD_BYTES;
        if (recordBytes > RecordCodec.MAX_RECORD_BYTES) {
            return Optional.of(new TooLarge(recordBytes, "the job would take " + recordBytes
                    + " bytes as a record, more than the " + RecordCodec.MAX_RECORD_BYTES
                    + " a record may carry (it has many characters JSON must escape)"));
        }
        return Optional.empty();
    }

}
