package io.stampede.gate.jobs;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import io.stampede.cluster.membership.MemberView;
import io.stampede.gate.metrics.JobMetrics;
import io.stampede.gate.ownership.Ownership;
import io.stampede.gate.ownership.OwnershipState;
import io.stampede.gate.routing.Bucket;
import io.stampede.gate.routing.DatacenterRouter;
import io.stampede.gate.routing.Datacenters;
import io.stampede.model.JobId;
import io.stampede.model.NodeRole;
import io.stampede.model.Topics;
import io.stampede.model.security.KeyLimits;
import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.Payload;
import io.stampede.node.config.NodeConfig;
import io.stampede.node.config.NodeIdentity;
import io.stampede.node.protocol.PeerProtocols;
import io.stampede.node.jobs.LedgerGauges;
import io.stampede.node.jobs.LedgerSettings;
import io.stampede.node.leadership.NodeLeadership;
import io.stampede.node.membership.NodeMembership;
import io.stampede.node.messaging.FencedRecords;
import io.stampede.node.messaging.RecordInbox;
import io.stampede.node.messaging.RecordSender;
import io.stampede.node.security.Targets;
import io.vertx.core.Vertx;

/**
 * The adapter around {@link GateJobs}: it carries out the core's commands (records to Kafka,
 * changes to the gates' replicated ownership table), waits for the gates to agree on a new job,
 * feeds the core the events topic, the table's changes and a one-second tick, and tells listeners
 * (live followers over SSE) when a job changed. The core is guarded by this object's lock; the
 * lock is never held while waiting for the gates to agree.
 */
@Singleton
public class JobService {

    private static final Logger LOG = Logger.getLogger(JobService.class);

    /** How long a submission waits for the gates to agree on its registration. */
    static final Duration REGISTRATION_TIMEOUT = Duration.ofSeconds(10);
    /** How often deadlines, progress, gone gates and retention are checked, in milliseconds. */
    static final long TICK_MILLIS = 1_000;
    /**
     * How often a change to the ownership table is tried before it is given up, and how long apart:
     * a Raft command fails after about 10 s without a leader, and an election after a gate's death
     * can take longer. A job's end that never reaches the table would be followed again, and
     * failed for silence, by a gate that starts later.
     */
    static final int REPLICATE_ATTEMPTS = 12;
    static final Duration REPLICATE_PAUSE = Duration.ofSeconds(5);

    private final GateJobs core;
    /** Where a job's requests would go that the target policy denies, judged at submission. */
    private final TargetScreen screen;
    private final PeerProtocols peers;
    private final RecordInbox inbox;
    /** The datacenters' fences, checked against their managers' terms. Guarded by this object's lock. */
    private final FencedRecords fenced;
    /** What {@link #fenced} verifies per datacenter, for the metrics (at most as many as it follows). */
    private final Map<String, AtomicLong> verifiedTerms = new java.util.concurrent.ConcurrentHashMap<>();
    private final MeterRegistry registry;
    private final RecordSender out;
    private final Clock clock;
    private final Vertx vertx;
    private final List<Consumer<JobId>> listeners = new CopyOnWriteArrayList<>();
    private final SecureRandom random = new SecureRandom();
    private long timer = -1;
    private final NodeIdentity identity;
    private final NodeLeadership leadership;
    private final NodeMembership membership;
    private final OwnershipState ownership;
    private final JobMetrics metrics;
    private final ArchivedJobs archives;

    public JobService(DatacenterRouter router, RecordInbox inbox, @Identifier("gate-out") RecordSender out,
            Clock clock, Vertx vertx, NodeIdentity identity, NodeLeadership leadership, NodeMembership membership,
            OwnershipState ownership, NodeConfig config, MeterRegistry registry, PeerProtocols peers, JobMetrics metrics,
            ArchivedJobs archives) {
        this.identity = identity;
        this.archives = archives;
        this.metrics = metrics;
        this.peers = peers;
        this.leadership = leadership;
        this.membership = membership;
        this.ownership = ownership;
        this.inbox = inbox;
        this.fenced = new FencedRecords(inbox);
        this.registry = registry;
        this.out = out;
        this.clock = clock;
        this.vertx = vertx;
        this.core = new GateJobs(identity.id(), router, LedgerSettings.limits(config.jobs()),
                config.jobs().datacenterSilence(), config.jobs().stuckAfter(), config.jobs().maxErrorRate(),
                released -> {
                    ownership.forget(released);
                    metrics.forget(released);
                }, () -> leadership.members().size());
        this.screen = new TargetScreen(Targets.of(config).policy(), JobService::resolve);
        LedgerGauges.register(registry, this::retained, this::tombstones);
        config.routing().expectedDatacenters().ifPresent(core::expect);
    }

    /**
     * A job's target host's addresses, through the JVM's resolver and its cache (a literal address
     * needs no lookup); none when it does not resolve (the worker judges it again before sending).
     */
    private static List<InetAddress> resolve(String host) {
        try {
            return List.of(InetAddress.getAllByName(host));
        } catch (UnknownHostException | SecurityException e) {
            return List.of();
        }
    }

    void start(@Observes StartupEvent event) {
        ownership.listen(this::onOwnership);
        timer = vertx.setPeriodic(TICK_MILLIS, id -> tick());
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /**
     * Submits a job.
     *
     * @param limits how much load the caller's API key may ask for
     */
    public GateJobs.Submission submit(String body, Optional<String> idempotencyKey, KeyLimits limits) {
        // Parsing (up to 4 MiB) and resolving the targets' names happen before the lock every
        // other request and Raft's thread need.
        GateJobs.Read read = GateJobs.read(body, screen, limits);
        GateJobs.Prepared prepared;
        synchronized (this) {
            prepared = core.prepare(read, idempotencyKey, liveGates(), clock.millis(), random);
        }
        if (prepared instanceof GateJobs.Answer answer) {
            return answer.submission();
        }
        GateJobs.Register register = (GateJobs.Register) prepared;
        Ownership.Entry registered;
        try {
            registered = OwnershipState.answer(leadership.submit(OwnershipState.encode(
                    new Ownership.Register(register.entry()))).get(REGISTRATION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
                    .orElseThrow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new GateJobs.Unroutable("interrupted while the gates registered the job");
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.warnf("the gates could not register a job: %s", e.getMessage());
            return new GateJobs.Unroutable("the gates could not agree on the job within "
                    + REGISTRATION_TIMEOUT.toSeconds() + " s (is a majority of the gates up?)");
        }
        GateJobs.Submission submission;
        synchronized (this) {
            List<GateJobs.Command> commands = new ArrayList<>();
            submission = core.registered(registered, register.entry(), clock.millis(), commands);
            carryOut(commands);
        }
        if (submission instanceof GateJobs.Accepted accepted && accepted.job().equals(register.entry().id())) {
            LOG.infof("job %s (%s) accepted for %s, owned by %s", registered.id(), registered.name(),
                    registered.datacenters(), registered.owner());
            if (registered.routing() != null) {
                registered.routing().candidates().stream()
                        .filter(candidate -> candidate.bucket() == Bucket.DEGRADED
                                && registered.datacenters().contains(candidate.name()))
                        .forEach(candidate -> LOG.warnf("job %s runs in datacenter %s, which is DEGRADED: %s",
                                registered.id(), candidate.name(), candidate.why()));
            }
        }
        return submission;
    }

    /**
     * The ownership table changed (on Raft's thread), or this gate hears of the whole table (when
     * it starts listening, or from a snapshot): then finished jobs are followed too, as ended, so
     * their Idempotency-Keys answer until their retention has passed.
     */
    private void onOwnership(List<Ownership.Entry> changed, boolean wholeTable) {
        List<JobId> followed = new ArrayList<>();
        synchronized (this) {
            List<GateJobs.Command> commands = new ArrayList<>();
            for (Ownership.Entry entry : changed) {
                Optional<GlobalJob> job = core.follow(entry, wholeTable, clock.millis(), commands);
                if (job.isPresent()) {
                    followed.add(entry.id());
                    if (entry.owner().equals(identity.id()) && entry.fence() > 1 && !entry.finished()) {
                        LOG.warnf("owning job %s from now on (fence %d)", entry.id(), entry.fence());
                    }
                } else if (entry.finished()) {
                    ownership.forget(entry.id()); // ended and forgotten here already
                }
            }
            carryOut(commands);
        }
        followed.forEach(this::changed);
    }

    /** This gate and the gates membership has up. */
    private List<String> liveGates() {
        List<String> live = new ArrayList<>();
        live.add(identity.id());
        for (MemberView member : membership.members()) {
            if (member.role() == NodeRole.GATE && member.up() && !member.id().equals(identity.id())) {
                live.add(member.id());
            }
        }
        return live;
    }

    /**
     * Reads a job under this service's lock: {@link GlobalJob} is not thread-safe, and records
     * from Kafka change it while HTTP threads read it. An id that is not a job id is not found.
     */
    public synchronized <T> Optional<T> read(String jobId, Function<GlobalJob, T> reader) {
        return JobId.parse(jobId).flatMap(core::job).map(reader);
    }

    /** Reads every job under this service's lock, newest first. */
    public synchronized <T> List<T> readAll(Predicate<GlobalJob> filter, Function<GlobalJob, T> reader) {
        List<GlobalJob> matching = new ArrayList<>(core.jobs().stream().filter(filter).toList());
        Collections.reverse(matching);
        return matching.stream().map(reader).toList();
    }

    public synchronized List<Datacenters.View> datacenters() {
        return core.datacenters(clock.millis());
    }

    /** Where to probe each datacenter that answers probes, by name. */
    public synchronized Map<String, String> probeTargets() {
        return core.probeTargets();
    }

    public synchronized void probeAnswered(Datacenters.Report answer, double rttMillis) {
        core.probeAnswered(answer, rttMillis, clock.millis());
    }

    public synchronized void probeFailed(String datacenter, String why) {
        core.probeFailed(datacenter, why, clock.millis());
    }

    /** Jobs this gate holds whole (running, or ended within their retention). */
    public synchronized int retained() {
        return core.retained();
    }

    public synchronized int tombstones() {
        return core.tombstones();
    }

    /** Asks every datacenter of the job to stop it and reads it; empty when the job is unknown. */
    public synchronized <T> Optional<T> cancel(String jobId, String reason, Function<GlobalJob, T> reader) {
        List<GateJobs.Command> commands = new ArrayList<>();
        Optional<T> read = JobId.parse(jobId).flatMap(id -> core.cancel(id, reason, commands)).map(reader);
        carryOut(commands);
        return read;
    }

    /** Called with the job id whenever a job's status or statistics change. */
    public void listen(Consumer<JobId> listener) {
        listeners.add(listener);
    }

    public void unlisten(Consumer<JobId> listener) {
        listeners.remove(listener);
    }

    /**
     * A record from the events topic. A datacenter's records are applied under fences a majority of
     * its managers has stated ({@link FencedRecords}): a manager taken over cannot fence its
     * datacenter's leader out of a job here with a number no election gave.
     */
    public void onEvent(RecordInbox.Source source, byte[] value) {
        Optional<Envelope> opened = inbox.open(source, value);
        if (opened.isEmpty()) {
            return;
        }
        Envelope envelope = opened.get();
        if (envelope.payload() instanceof Payload.TermStated stated) {
            List<FencedRecords.Held> released;
            synchronized (this) {
                released = fenced.stated(envelope, stated, clock.millis());
                long verified = fenced.verified(stated.datacenter());
                if (verified >= 0) {
                    verifiedTerms.computeIfAbsent(stated.datacenter(), this::verifiedGauge).set(verified);
                }
            }
            fenced.apply(released, held -> apply(held.source(), held.envelope()));
            return;
        }
        String datacenter = envelope.payload() instanceof Payload.DatacenterStatus status ? status.datacenter()
                : envelope.payload() instanceof Payload.DatacenterReport report ? report.datacenter() : null;
        synchronized (this) {
            if (datacenter != null && !fenced.admit(datacenter, source, value, envelope, clock.millis())) {
                return;
            }
        }
        apply(source, envelope);
    }

    /** The gauge of the term a majority of a datacenter's managers has stated, registered once it has. */
    private AtomicLong verifiedGauge(String datacenter) {
        AtomicLong verified = new AtomicLong(-1);
        io.micrometer.core.instrument.Gauge.builder("stampede.leader.term.verified", verified, AtomicLong::get)
                .description("The highest Raft term a majority of the datacenter's managers has stated")
                .tag("datacenter", datacenter).register(registry);
        return verified;
    }

    private void apply(RecordInbox.Source source, Envelope envelope) {
        if (envelope.payload() instanceof Payload.DatacenterStatus status && status.manager().equals(envelope.sender())) {
            // Only a manager's own: another's would set what the gates use with that manager.
            peers.told(status.manager(), status.capabilities());
        }
        GateJobs.Applied applied;
        synchronized (this) {
            applied = core.onEvent(envelope, clock.millis());
            if (applied instanceof GateJobs.Changed changed) {
                carryOut(changed.commands());
            }
        }
        if (applied instanceof GateJobs.Dropped dropped) {
            inbox.dropped(source.topic(), envelope, dropped.verdict());
        } else if (applied instanceof GateJobs.Changed changed) {
            changed(changed.job());
        }
    }

    private void tick() {
        try {
            Set<String> owners = ownership.entries().stream().filter(entry -> !entry.finished())
                    .map(Ownership.Entry::owner).collect(Collectors.toSet());
            List<JobId> closed;
            List<FencedRecords.Held> unchecked;
            synchronized (this) {
                long now = clock.millis();
                List<GateJobs.Command> commands = new ArrayList<>();
                unchecked = fenced.expire(now);
                closed = core.closeKept(id -> archives.indexes(id.value()), now, commands);
                commands.addAll(core.tick(now, liveGates(), leadership.leading(), owners));
                carryOut(commands);
            }
            fenced.apply(unchecked, held -> apply(held.source(), held.envelope()));
            closed.forEach(id -> {
                LOG.infof("job %s ended before this gate followed it (its results are kept): answered from %s", id,
                        Topics.JOB_RESULTS);
                changed(id);
            });
        } catch (RuntimeException e) {
            LOG.error("the periodic check failed; it runs again in a second", e);
        }
    }

    /**
     * Sends the core's commands. Called under this object's lock, so records about one job leave
     * in the order the core decided them (a cancel never overtakes the job's submission).
     */
    private void carryOut(List<GateJobs.Command> commands) {
        for (GateJobs.Command command : commands) {
            if (command instanceof GateJobs.Publish publish) {
                if (publish.payload() instanceof Payload.JobFinished finished) {
                    LOG.infof("job %s finished: %s", publish.job(), finished.status());
                } else if (publish.payload() instanceof Payload.JobCancelRequested cancel) {
                    LOG.infof("job %s: stopping in %s (%s)", publish.job(), publish.topic().orElse(""), cancel.reason());
                }
                java.util.concurrent.CompletionStage<Void> sent = publish.topic().isPresent()
                        ? out.sendTo(publish.topic().get(), publish.job(), publish.fence(), publish.payload())
                        : out.send(publish.job(), publish.fence(), publish.payload());
                if (publish.payload() instanceof Payload.JobSubmitted submitted) {
                    sent.whenComplete((ignored, failure) -> {
                        if (failure != null) {
                            publishFailed(publish.job(), submitted.datacenter(), failure);
                        }
                    });
                } else if (publish.payload() instanceof Payload.WorkflowReleased released) {
                    sent.whenComplete((ignored, failure) -> {
                        if (failure != null) {
                            LOG.warnf("job %s: the release of %s could not be sent (%s); it is sent again",
                                    publish.job(), released.workflow(), failure.getMessage());
                            synchronized (this) {
                                core.releaseFailed(publish.job(), released.workflow());
                            }
                        }
                    });
                }
            } else if (command instanceof GateJobs.Archive archive) {
                JobArchive.Source source = archive.source();
                archives.archive(source, payload -> out.sendTo(Topics.JOB_RESULTS, source.id(), source.fence(), payload));
            } else if (command instanceof GateJobs.Measure measure) {
                metrics.record(measure.job(), measure.datacenter(), measure.windows());
            } else if (command instanceof GateJobs.StopMeasuring stop) {
                if (stop.all()) {
                    metrics.forget(stop.job());
                } else {
                    metrics.ended(stop.job());
                }
            } else if (command instanceof GateJobs.Replicate replicate) {
                if (replicate.change() instanceof Ownership.Reassign reassign) {
                    LOG.warnf("gate %s is gone: moving its jobs to %s", reassign.gone(), reassign.live());
                }
                replicate(replicate.change(), 1);
            }
        }
    }

    /**
     * Submits a change to the ownership table. A job's end is submitted again after a pause when it
     * fails (it is idempotent), at most {@link #REPLICATE_ATTEMPTS} times; a reassignment is not (the
     * gate it moves jobs from may be back by then, and the next one it misses is decided anew).
     */
    private void replicate(Ownership.Command change, int attempt) {
        CompletableFuture<byte[]> committed;
        try {
            committed = leadership.submit(OwnershipState.encode(change));
        } catch (RuntimeException e) {
            committed = CompletableFuture.failedFuture(e);
        }
        committed.whenComplete((answer, failure) -> {
            if (failure == null) {
                return;
            }
            if (!(change instanceof Ownership.Finished)) {
                LOG.warnf("the gates did not commit %s: %s", change, failure.getMessage());
                return;
            }
            if (attempt >= REPLICATE_ATTEMPTS) {
                LOG.errorf("the gates did not commit %s after %d attempts: %s", change, attempt, failure.getMessage());
                return;
            }
            LOG.warnf("the gates did not commit %s (attempt %d of %d): %s; trying again in %d s", change, attempt,
                    REPLICATE_ATTEMPTS, failure.getMessage(), REPLICATE_PAUSE.toSeconds());
            vertx.setTimer(REPLICATE_PAUSE.toMillis(), id -> replicate(change, attempt + 1));
        });
    }

    /** Kafka did not take a job's record for a datacenter, after its retries (on the producer's thread). */
    private void publishFailed(JobId job, String datacenter, Throwable failure) {
        String reason = failure.getClass().getSimpleName() + ": " + failure.getMessage();
        LOG.errorf("job %s could not be sent to datacenter %s: %s", job, datacenter, reason);
        synchronized (this) {
            carryOut(core.publishFailed(job, datacenter, reason, clock.millis()));
        }
        changed(job);
    }

    private void changed(JobId job) {
        listeners.forEach(listener -> listener.accept(job));
    }
}
