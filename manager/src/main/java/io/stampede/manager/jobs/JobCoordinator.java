package io.stampede.manager.jobs;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import io.stampede.cluster.jobs.JobLedger;
import io.stampede.cluster.jobs.OwnershipCheck;
import io.stampede.cluster.leadership.RaftLeadership;
import io.stampede.cluster.membership.MemberState;
import io.stampede.cluster.membership.MemberView;
import io.stampede.cluster.membership.MembershipListener;
import io.stampede.manager.dispatch.DatacenterJob;
import io.stampede.manager.dispatch.JobQueue;
import io.stampede.manager.dispatch.WorkerRegistry;
import io.stampede.manager.flow.ProgressFlow;
import io.stampede.model.JobId;
import io.stampede.model.NodeRole;
import io.stampede.model.Topics;
import io.stampede.model.job.JobSpec;
import io.stampede.model.job.JobSpecParser;
import io.stampede.model.lifecycle.DatacenterJobStatus;
import io.stampede.model.load.Backpressure;
import io.stampede.model.load.LoadState;
import io.stampede.model.wire.Capabilities;
import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.Payload;
import io.stampede.model.wire.ReplayFilter;
import io.stampede.model.wire.Subject;
import io.stampede.node.config.ControlTls;
import io.stampede.node.config.NodeConfig;
import io.stampede.node.config.NodeIdentity;
import io.stampede.node.protocol.NodeProtocol;
import io.stampede.node.protocol.PeerProtocols;
import io.stampede.node.jobs.LedgerGauges;
import io.stampede.node.jobs.LedgerSettings;
import io.stampede.node.leadership.NodeLeadership;
import io.stampede.node.load.NodeLoad;
import io.stampede.node.membership.NodeMembership;
import io.stampede.node.messaging.FencedRecords;
import io.stampede.node.messaging.RecordInbox;
import io.stampede.node.messaging.RecordSender;
import io.vertx.core.Vertx;

/**
 * Runs this datacenter's jobs: applies records from the jobs and progress topics to each job's
 * {@link DatacenterJob}, sends the commands it returns, and once a second publishes progress and
 * enforces job deadlines. Workers are live while membership (SWIM) has them up; a worker it
 * declares DEAD or LEFT loses its running shares. What this manager holds per job lives in one
 * {@link JobLedger} entry, released (leaving a tombstone that turns away a redelivered
 * {@code job.submitted}) once the job has ended and its retention has passed. All state is
 * guarded by this object's lock.
 */
@Singleton
public class JobCoordinator {

    private static final Logger LOG = Logger.getLogger(JobCoordinator.class);

    /** How often progress is published and deadlines and workers checked, in milliseconds. */
    static final long TICK_MILLIS = 1_000;
    /** How often a new leader checks whether it has caught up, in milliseconds. */
    static final long CATCH_UP_POLL_MILLIS = 20;
    /** How long after a job ended a new leader re-sends its result, in case the old leader did not. */
    static final long RESEND_RESULTS_MILLIS = 60_000;
    /** The datacenter's status goes to the gates every this many ticks. */
    static final int STATUS_EVERY_TICKS = 2;
    /**
     * The backpressure level, NONE too, is sent again every this many ticks: for workers that missed
     * it, and so that a worker that stops hearing it (15 s) knows its leader is gone and forgets the fence.
     */
    static final int BACKPRESSURE_EVERY_TICKS = 5;
    /**
     * Every manager, leader or not, states its Raft term to the workers every this many ticks, and
     * at once when it changes ({@link Payload.TermStated}).
     */
    static final int TERM_EVERY_TICKS = 5;
    /** The gates a manager remembers having heard, to know whether all of them read term statements. */
    static final int MAX_GATES_HEARD = 64;
    /** A gate whose last record is older than this, in milliseconds, is not asked whether it reads them. */
    static final long GATE_HEARD_FOR_MILLIS = 10 * 60_000;
    /** The most workers' reports one job holds until their share's dispatch is read. */
    static final int MAX_UNMATCHED = 10_000;

    /** What this manager holds about one job. */
    static final class ManagerJob {
        /** The job here; null until its submission is read. */
        DatacenterJob job;
        /** Dispatches read before the job's submission (they travel on another topic). */
        final List<Payload.WorkflowDispatched> early = new ArrayList<>();
        /**
         * Workers' windows and results read before the dispatch of their share, or before the job's
         * submission (another topic, read in no set order when a manager rebuilds the job): applied
         * once it is read. At most {@link #MAX_UNMATCHED}; past it, the oldest is dropped and counted.
         */
        final java.util.ArrayDeque<Envelope> unmatched = new java.util.ArrayDeque<>();
        /** When the first record about the job arrived, epoch milliseconds. */
        final long openedAt;

        ManagerJob(long openedAt) {
            this.openedAt = openedAt;
        }
    }

    private final String datacenter;
    private final RecordInbox inbox;
    private final RecordSender dispatch;
    private final RecordSender events;
    private final Clock clock;
    private final Vertx vertx;
    private final WorkerRegistry workers;
    private final JobLedger<ManagerJob> ledger;
    /** The gates' fences on each job, checked against the generations a majority of its gates states. */
    private final OwnershipCheck<FencedRecords.Held> owners;
    /** The bytes of the records that wait in {@link #owners}; at most {@link FencedRecords#MAX_HELD_BYTES}. */
    private long heldBytes;
    /** The term this manager leads in and issues records under; −1 while it follows. */
    private long fence = -1;
    private long timer = -1;
    private long catchUpTimer = -1;
    private long ticks;
    private final String managerId;
    private final NodeMembership membership;
    private final NodeLeadership leadership;
    private final CatchUp catchUp;
    /** How long a live worker may send no heartbeat before its shares are treated as lost. */
    private final Duration heartbeatSilence;
    private final Duration queueLimit;
    /** When a waiting job was last started, epoch ms. */
    private long lastQueuedStartMillis;
    /** How often workers send a heartbeat (with their free cores). */
    private static final long HEARTBEAT_MILLIS = 2_000;
    private final ProgressFlow flow;
    private final NodeLoad load;
    /** What this manager tells in its status records; and what its workers told. */
    private final List<String> capabilities;
    private final Set<String> ownCapabilities;
    private final PeerProtocols peers;
    /**
     * Where gates probe this manager: its control port when probes are over mutual TLS, otherwise
     * its HTTP port, which serves gRPC too.
     */
    private final String probeAddress;
    /** The level last sent to the workers; null when this leader has sent none yet. */
    private Backpressure sentLevel;
    /** The term this manager last stated to the workers; −1 before it stated one. */
    private long statedTerm = -1;
    /** The term this manager last stated to the gates; −1 before it stated one. */
    private long statedToGates = -1;
    /** The gates heard on the jobs topic, with the newest of their records' times, at most {@value #MAX_GATES_HEARD}. */
    private final Map<String, Long> gatesHeard = new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > MAX_GATES_HEARD;
        }
    };

    public JobCoordinator(NodeIdentity identity, RecordInbox inbox, @Identifier("dispatch") RecordSender dispatch,
            @Identifier("events") RecordSender events, Clock clock, Vertx vertx, NodeMembership membership,
            NodeLeadership leadership, CatchUp catchUp, NodeConfig config, MeterRegistry registry, ProgressFlow flow,
            NodeLoad load, NodeProtocol protocol, PeerProtocols peers) {
        this.flow = flow;
        this.capabilities = protocol.capabilityList();
        this.ownCapabilities = protocol.capabilities();
        this.peers = peers;
        this.load = load;
        this.datacenter = identity.datacenter().orElseThrow();
        this.managerId = identity.id();
        this.inbox = inbox;
        this.dispatch = dispatch;
        this.events = events;
        this.clock = clock;
        this.vertx = vertx;
        this.workers = new WorkerRegistry(clock);
        this.membership = membership;
        this.leadership = leadership;
        this.catchUp = catchUp;
        JobLedger.Limits limits = LedgerSettings.limits(config.jobs());
        this.owners = new OwnershipCheck<>(limits.maxJobs());
        this.ledger = new JobLedger<>(limits, (jobId, entry) -> owners.forget(jobId));
        this.heartbeatSilence = config.jobs().workerSilence();
        this.queueLimit = config.jobs().queueLimit();
        this.probeAddress = ControlTls.of(config).probeAddress(config.ports().http());
        LedgerGauges.register(registry, this::retained, this::tombstones);
        io.micrometer.core.instrument.Gauge.builder("stampede.ownership.waiting", this, JobCoordinator::waitingForGates)
                .description("The gates' records that wait for a majority of their job's gates to state their generation")
                .register(registry);
    }

    /** The gates' records that wait for a majority of their job's gates to state their generation. */
    synchronized int waitingForGates() {
        return owners.waiting();
    }

    void start(@Observes StartupEvent event) {
        timer = vertx.setPeriodic(TICK_MILLIS, id -> tick());
        membership.watch(new MembershipListener() {
            @Override
            public void changed(MemberView member, MemberState previous) {
                // Off the membership thread at once: this coordinator's lock may be busy.
                vertx.runOnContext(ignored -> workerChanged(member));
            }

            @Override
            public void removed(MemberView member) {
                vertx.runOnContext(ignored -> workerGone(member.id(), "gone"));
            }
        });
        leadership.watch(new RaftLeadership.Listener() {
            @Override
            public void leading(long term) {
                vertx.runOnContext(ignored -> catchUpThenLead(term));
            }

            @Override
            public void following(Optional<String> leader, long term) {
                vertx.runOnContext(ignored -> follow());
            }
        });
    }

    /**
     * Acts as leader only once every dispatch the old leader made has been read, so nothing is
     * dispatched twice: polls the catch-up until it is done or has given up.
     */
    private synchronized void catchUpThenLead(long term) {
        stopCatchingUp();
        catchUp.begin(clock.millis());
        catchUpTimer = vertx.setPeriodic(CATCH_UP_POLL_MILLIS, id -> pollCatchUp(id, term));
    }

    private synchronized void pollCatchUp(long timerId, long term) {
        if (timerId != catchUpTimer) {
            return; // a catch-up already stopped or replaced, firing once more
        }
        if (catchUp.poll(clock.millis()) != CatchUp.Status.WAITING) {
            stopCatchingUp();
            takeOver(term);
        }
    }

    private synchronized void stopCatchingUp() {
        if (catchUpTimer >= 0) {
            vertx.cancelTimer(catchUpTimer);
            catchUpTimer = -1;
        }
    }

    private synchronized void takeOver(long term) {
        if (leadership.fence() != term) {
            return; // lost it again while catching up
        }
        fence = term;
        stateTerm(false); // before the records under it: the workers apply them once a majority has stated it
        sentLevel = null; // the workers may have been told anything by the last leader: tell them now
        long now = clock.millis();
        LOG.infof("leading datacenter %s (fence %d): taking over %d jobs", datacenter, term, ledger.retained());
        ledger.byId().forEach((jobId, entry) -> {
            DatacenterJob job = entry.job;
            // A job that ended long ago (read back from the topics at start) had its result sent then.
            if (job != null && (!job.finished()
                    || ledger.endedAt(jobId).map(ended -> now - ended < RESEND_RESULTS_MILLIS).orElse(true))) {
                try {
                    send(jobId, job.takeOver(workers.forNewShares(), now));
                } catch (RuntimeException e) {
                    // One job's bug must not keep the others from being taken over.
                    LOG.errorf(e, "could not take over job %s", jobId);
                }
            }
        });
    }

    private synchronized void follow() {
        stopCatchingUp();
        if (fence >= 0) {
            LOG.warnf("no longer leading datacenter %s; following", datacenter);
        }
        fence = -1;
        running().forEach(job -> job.decide(false));
    }

    /** Whether this manager leads and issues records now. */
    public synchronized boolean leading() {
        return fence >= 0;
    }

    private synchronized void workerChanged(MemberView member) {
        if (member.role() != NodeRole.WORKER || !datacenter.equals(member.datacenter())) {
            return;
        }
        if (member.up()) {
            if (workers.up(member.id())) {
                LOG.infof("worker %s is up (%s)", member.id(), member.state());
            }
        } else if (member.state() == MemberState.DEAD || member.state() == MemberState.LEFT) {
            workerGone(member.id(), member.state().name());
        }
    }

    private synchronized void workerGone(String id, String why) {
        if (workers.down(id)) {
            sharesLost(id, "membership declared it " + why);
        }
    }

    /** A worker's running shares are lost: each job re-runs or fails them and tells the worker to stop. */
    private void sharesLost(String id, String why) {
        LOG.warnf("worker %s was lost (%s); its running shares have failed", id, why);
        ledger.byId().forEach((jobId, entry) -> {
            if (entry.job != null) {
                try {
                    send(jobId, entry.job.workerLost(id, why, workers.forNewShares(), clock.millis()));
                } catch (RuntimeException e) {
                    // One job's bug must not keep the others from hearing of the loss.
                    LOG.errorf(e, "job %s: could not handle the loss of worker %s", jobId, id);
                }
            }
        });
    }

    void stop(@Observes ShutdownEvent event) {
        stopCatchingUp();
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** Jobs running or waiting (QUEUED) here. */
    public synchronized int activeJobs() {
        return (int) running().filter(job -> !job.finished()).count();
    }

    /** Jobs this manager holds whole (running, or ended within their retention). */
    public synchronized int retained() {
        return ledger.retained();
    }

    public synchronized int tombstones() {
        return ledger.tombstones();
    }

    /** Live workers. */
    public synchronized List<WorkerRegistry.Worker> workers() {
        return workers.live();
    }

    /**
     * The datacenter as this manager sees it now: what its status records and its probe answers say.
     *
     * @param managersAlive this manager and the others of its Raft group that membership has up
     */
    public record Snapshot(boolean leading, long term, String leader, int managersAlive, int managersTotal,
            int workers, int healthyWorkers, int cores, int freeCores, int activeJobs, LoadState load,
            long coresFreeInMillis) {
    }

    /** host:port where gates probe this manager. */
    public String probeAddress() {
        return probeAddress;
    }

    public synchronized Snapshot snapshot() {
        List<WorkerRegistry.Worker> usable = workers.takingNewShares();
        Map<String, String> group = leadership.members();
        int alive = 1 + (int) group.keySet().stream().filter(id -> !id.equals(managerId))
                .filter(id -> membership.members().stream().anyMatch(member -> member.id().equals(id) && member.up()))
                .count();
        int freeCores = usable.stream().mapToInt(WorkerRegistry.Worker::freeCores).sum();
        return new Snapshot(fence >= 0, leadership.term(), leadership.leader().orElse(""), alive,
                Math.max(1, group.size()), workers.live().size(), usable.size(),
                usable.stream().mapToInt(WorkerRegistry.Worker::cores).sum(), freeCores, activeJobs(), load.state(),
                coresFreeIn(freeCores, clock.millis()));
    }

    /**
     * How long until a core frees here, in ms: 0 when one is free; when the first running share
     * should end otherwise; -1 when that cannot be told (no running share has a known end, or jobs
     * wait already).
     */
    private long coresFreeIn(int freeCores, long now) {
        if (freeCores > 0) {
            return 0;
        }
        if (running().anyMatch(DatacenterJob::queued)) {
            return -1;
        }
        long earliest = running().filter(job -> job.status() == DatacenterJobStatus.RUNNING)
                .mapToLong(job -> job.earliestShareEndMillis(now)).min().orElse(Long.MAX_VALUE);
        return earliest == Long.MAX_VALUE ? -1 : Math.max(1, earliest - now); // 0 means a core is free
    }

    /** Live workers that are not OVERLOADED: those the datacenter can give new work to. */
    public synchronized List<WorkerRegistry.Worker> workersTakingShares() {
        return workers.takingNewShares();
    }

    private java.util.stream.Stream<DatacenterJob> running() {
        return ledger.entries().stream().map(entry -> entry.job).filter(java.util.Objects::nonNull);
    }

    /**
     * A record from the jobs or progress topic of this datacenter. What cannot be read is counted
     * and skipped here; what throws while applied is the caller's to count ({@link RecordInbox#apply}).
     */
    public void onRecord(RecordInbox.Source source, byte[] value) {
        inbox.open(source, value).ifPresent(envelope -> arrive(source, value, envelope));
    }

    /**
     * A record read: a gate's statement of a job's ownership generation is taken; a gate's record
     * under a generation no majority of the job's gates has stated waits ({@link OwnershipCheck}),
     * and is refused ({@value OwnershipCheck#UNVERIFIED_FENCE}) when none has in
     * {@value OwnershipCheck#WAIT_MILLIS} ms; the rest is applied. The first submission of a job
     * read names the gates' group whose majority must state a later generation.
     */
    private synchronized void arrive(RecordInbox.Source source, byte[] value, Envelope envelope) {
        Payload payload = envelope.payload();
        if (payload instanceof Payload.OwnershipStated stated) {
            if (envelope.aboutJob() && !ledger.released(envelope.jobId())) {
                applyReleased(owners.stated(envelope.jobId(), envelope.sender(), stated.generation()));
            }
            return;
        }
        if (!(payload instanceof Payload.FromGates) || !envelope.aboutJob()) {
            apply(source.topic(), envelope);
            return;
        }
        JobId jobId = envelope.jobId();
        // The job's first submission read names its gates, also one under a later generation (a new
        // owner's, to a datacenter the old one never reached), which then waits for their statements.
        List<FencedRecords.Held> released = payload instanceof Payload.JobSubmitted submitted && !ledger.released(jobId)
                ? owners.submitted(jobId, submitted.gates()) : List.of();
        try {
            admitFromGates(source, value, envelope, jobId);
        } finally {
            // Out of the waiting queue already: applied (or counted) even when this record's own throws.
            applyReleased(released);
            forgetUnheld(jobId);
        }
    }

    /** Forgets what the gates said of a job this manager does not hold and holds no record of (its submission refused). */
    private void forgetUnheld(JobId jobId) {
        if (ledger.get(jobId).isEmpty() && !owners.isWaiting(jobId)) {
            owners.forget(jobId);
        }
    }

    /** Applies a gate's record, or holds it while no majority of its job's gates has stated its generation. */
    private void admitFromGates(RecordInbox.Source source, byte[] value, Envelope envelope, JobId jobId) {
        // A job that has ended here takes nothing more, under any generation: applying drops it as such.
        if (!ledger.released(jobId) && owners.holds(jobId, envelope.fence())) {
            if (heldBytes + value.length > FencedRecords.MAX_HELD_BYTES) {
                inbox.refuse(source, value, OwnershipCheck.UNVERIFIED_FENCE,
                        (FencedRecords.MAX_HELD_BYTES >> 20) + " MiB of records wait for their generation already");
            } else if (owners.offer(jobId, envelope.fence(), new FencedRecords.Held(source, value, envelope),
                    clock.millis()) == OwnershipCheck.Offer.FULL) {
                inbox.refuse(source, value, OwnershipCheck.UNVERIFIED_FENCE, "as many records as may wait for their"
                        + " generation wait already (" + OwnershipCheck.MAX_WAITING + " in all, "
                        + OwnershipCheck.MAX_WAITING_PER_JOB + " per job, " + OwnershipCheck.MAX_WAITING_UNSUBMITTED
                        + " about jobs not submitted here)");
            } else {
                heldBytes += value.length;
                LOG.debugf("job %s: a record of %s under generation %d waits for a majority of the gates to state it",
                        jobId, envelope.sender(), envelope.fence());
            }
        } else {
            apply(source.topic(), envelope);
        }
    }

    /** Applies records that waited for their generation, in order; what throws on one is counted against it. */
    private void applyReleased(List<FencedRecords.Held> released) {
        for (FencedRecords.Held held : released) {
            heldBytes -= held.value().length;
            try {
                apply(held.source().topic(), held.envelope());
            } catch (RuntimeException e) {
                inbox.refuse(held.source(), held.value(), RecordInbox.UNAPPLICABLE, String.valueOf(e));
            }
        }
        released.stream().map(held -> held.envelope().jobId()).distinct().forEach(this::forgetUnheld);
    }

    /** Refuses the gates' records that have waited too long for a majority to state their generation. */
    private void expireHeld(long now) {
        for (OwnershipCheck.Held<FencedRecords.Held> expired : owners.expire(now)) {
            FencedRecords.Held held = expired.record();
            heldBytes -= held.value().length;
            int majority = owners.majority(expired.job());
            inbox.refuse(held.source(), held.value(), OwnershipCheck.UNVERIFIED_FENCE, "generation "
                    + expired.generation() + " of job " + expired.job() + " from " + held.envelope().sender() + ", and "
                    + (majority == 0 ? "the job's submission has not been read here"
                            : "no majority of the job's gates (" + majority + ") has stated it (they state "
                                    + owners.verified(expired.job()) + ")")
                    + " in " + OwnershipCheck.WAIT_MILLIS / 1000 + " s");
            forgetUnheld(expired.job());
        }
    }

    /** A record from the progress topic read for heartbeats only (every manager sees every worker). */
    public void onHeartbeatRecord(byte[] value) {
        // Other records on this topic, readable or not, are the job channel's business (and count).
        Optional<Envelope> opened = inbox.peek(value);
        if (opened.isPresent() && opened.get().payload() instanceof Payload.WorkerHeartbeat heartbeat) {
            peers.heard(opened.get().sender(), opened.get().protocol());
            peers.told(heartbeat.worker(), heartbeat.capabilities());
            synchronized (this) {
                WorkerRegistry.Heard heard = workers.heard(heartbeat.worker(), heartbeat.cores(), heartbeat.freeCores(),
                        heartbeat.version(), heartbeat.startedAtMillis(), heartbeat.load(), heartbeat.progress());
                if (heard == WorkerRegistry.Heard.RESTARTED) {
                    LOG.warnf("worker %s restarted; the shares of its earlier process are lost", heartbeat.worker());
                }
                if (heard != WorkerRegistry.Heard.NOTHING_NEW) {
                    LOG.infof("worker %s is live (%d cores)", heartbeat.worker(), heartbeat.cores());
                    // Restarted, or new to this manager (perhaps restarted while it was down): the
                    // shares dispatched to an earlier process of the worker are lost.
                    long now = clock.millis();
                    ledger.byId().forEach((jobId, entry) -> {
                        if (entry.job != null) {
                            send(jobId, entry.job.workerStarted(heartbeat.worker(), heartbeat.startedAtMillis(),
                                    workers.forNewShares(), now));
                        }
                    });
                }
            }
        }
    }

    private synchronized void apply(String topic, Envelope envelope) {
        if (envelope.payload() instanceof Payload.BackpressureChanged told) {
            // What the leader told the workers, read by every manager alike: a worker lost from
            // now on may have held windows back that long, and its unaccounted bound says so.
            running().forEach(job -> job.backpressure(told.level()));
            return;
        }
        if (envelope.type().writer() == NodeRole.GATE) {
            gatesHeard.merge(envelope.sender(), envelope.timestampMillis(), Math::max);
        }
        if (!envelope.aboutJob()) {
            return; // heartbeats: read by onHeartbeatRecord
        }
        long now = clock.millis();
        JobLedger.Admission<ManagerJob> admission = ledger.admit(envelope, id -> new ManagerJob(now));
        if (admission instanceof JobLedger.Turned<ManagerJob> turned) {
            inbox.dropped(topic, envelope, turned.verdict());
            return;
        }
        if (!(admission instanceof JobLedger.Admitted<ManagerJob> admitted)) {
            String why = "this manager holds " + ledger.limits().maxJobs() + " running jobs already"
                    + " (stampede.jobs.max-jobs)";
            LOG.errorf("job %s refused: %s", envelope.jobId(), why);
            if (envelope.payload() instanceof Payload.JobSubmitted && fence >= 0) {
                events.send(envelope.jobId(), fence, new Payload.DatacenterFinished(datacenter,
                        DatacenterJobStatus.FAILED, Map.of(), Map.of(), Map.of("", why)));
            }
            return;
        }
        applyAdmitted(topic, envelope, admitted.entry());
    }

    /** Applies a record about a job that its ledger entry has admitted. */
    private void applyAdmitted(String topic, Envelope envelope, ManagerJob entry) {
        JobId jobId = envelope.jobId();
        DatacenterJob job = entry.job;
        Payload payload = envelope.payload();
        if (awaitsDispatch(job, payload)) {
            if (entry.unmatched.size() == MAX_UNMATCHED) {
                inbox.dropped(topic, entry.unmatched.removeFirst(), ReplayFilter.Verdict.LATE);
            }
            entry.unmatched.addLast(envelope);
            return;
        }
        if (payload instanceof Payload.WorkflowDispatched dispatched) {
            if (job != null) {
                job.observeDispatch(dispatched);
                applyUnmatched(topic, entry);
            } else {
                entry.early.add(dispatched);
            }
        } else if (payload instanceof Payload.JobSubmitted submitted) {
            Set<String> gate = Capabilities.told(submitted.capabilities(), envelope.protocol());
            peers.told(envelope.sender(), gate);
            submit(jobId, entry, submitted, gate);
        } else if (payload instanceof Payload.JobCancelRequested cancel) {
            if (job != null) {
                LOG.infof("job %s: cancel (%s)", jobId, cancel.reason());
                send(jobId, job.stop(DatacenterJobStatus.CANCELLED));
            }
        } else if (payload instanceof Payload.WorkflowWindowReported window) {
            if (job != null && !job.onWindow(window)) {
                LOG.infof("job %s: a window from %s for a share that has ended or was given up; not counted",
                        jobId, window.worker());
                inbox.dropped(topic, envelope, ReplayFilter.Verdict.LATE);
            }
        } else if (payload instanceof Payload.WorkflowReleased released) {
            if (job != null) {
                LOG.infof("job %s: the gates release %s%s", jobId, released.workflow(),
                        released.failure().isEmpty() ? "" : " as failed (" + released.failure() + ")");
                send(jobId, job.onReleased(released, workers.forNewShares()));
            }
        } else if (payload instanceof Payload.ExtensionRequested request) {
            if (job != null) {
                job.onExtensionRequested(request).ifPresent(decision -> LOG.infof("job %s: extension %s", jobId, decision));
            }
        } else if (payload instanceof Payload.WorkflowFinished finished) {
            if (job != null) {
                boolean endedBefore = job.finished();
                send(jobId, job.onFinished(finished, workers.forNewShares()));
                if (job.finished()) {
                    // Dated by the record: a job read back at start ended long ago.
                    ledger.ended(jobId, envelope.timestampMillis());
                    if (!endedBefore) {
                        startQueued(clock.millis(), true); // its cores are free
                    }
                }
            }
        }
    }

    /** Whether a worker's report must wait for its job's submission, or its share's dispatch. */
    private static boolean awaitsDispatch(DatacenterJob job, Payload payload) {
        if (payload instanceof Payload.WorkflowWindowReported window) {
            return job == null || job.awaitsDispatch(window.workflow(), window.worker(), window.attempt());
        }
        if (payload instanceof Payload.WorkflowFinished finished) {
            return job == null || job.awaitsDispatch(finished.workflow(), finished.worker(), finished.attempt());
        }
        return false;
    }

    /** Applies the held reports whose share's dispatch has now been read, in the order they came. */
    private void applyUnmatched(String topic, ManagerJob entry) {
        if (entry.unmatched.isEmpty()) {
            return;
        }
        List<Envelope> held = new ArrayList<>(entry.unmatched);
        entry.unmatched.clear();
        held.forEach(envelope -> applyAdmitted(topic, envelope, entry));
    }

    /** A job for this datacenter, from a gate that speaks {@code gate}. */
    private void submit(JobId jobId, ManagerJob entry, Payload.JobSubmitted submitted, Set<String> gate) {
        if (entry.job != null || !datacenter.equals(submitted.datacenter())) {
            return;
        }
        JobSpec spec;
        try {
            spec = JobSpecParser.parse(submitted.spec());
        } catch (IllegalArgumentException e) {
            if (fence >= 0) {
                events.send(jobId, fence, new Payload.DatacenterFinished(datacenter, DatacenterJobStatus.FAILED,
                        Map.of(), Map.of(), Map.of("", "the job cannot be read here: " + e.getMessage())));
            }
            ledger.ended(jobId, clock.millis());
            return;
        }
        DatacenterJob job = new DatacenterJob(jobId, datacenter, submitted, spec);
        job.decide(fence >= 0);
        entry.job = job;
        entry.early.forEach(job::observeDispatch);
        entry.early.clear();
        applyUnmatched(Topics.progress(datacenter), entry);
        LOG.infof("job %s accepted: %d workflows over %d workers", jobId, spec.workflows().size(), workers.live().size());
        // A job waits QUEUED only for a gate that knows the status: one that does not would refuse
        // every progress record saying it, and give the datacenter up as silent.
        if (fence >= 0 && JobQueue.mayWaitFor(ownCapabilities, gate) && mustWait(job)) {
            job.queue(clock.millis());
            LOG.infof("job %s queued: no worker here has a free core; it starts when one frees, within %d s", jobId,
                    queueLimit.toSeconds());
            return;
        }
        send(jobId, job.advance(workers.forNewShares()));
    }

    /**
     * Whether a new job waits (QUEUED): every worker that takes new shares is busy with other
     * running jobs (none has a free core, as its last heartbeat said), or other jobs wait already
     * (first come, first started).
     */
    private boolean mustWait(DatacenterJob job) {
        return JobQueue.mustWait(job.hasWorkHere(), queueLimit, workers.forNewShares(),
                running().anyMatch(other -> other != job && other.status() == DatacenterJobStatus.RUNNING),
                running().anyMatch(other -> other != job && other.queued()));
    }

    /**
     * As the leader, starts the job that has waited longest once a core is free (a worker's
     * heartbeat says so, a job here has just ended, or none runs), and every job that has waited
     * {@code stampede.jobs.queue-limit}.
     */
    private void startQueued(long now, boolean aJobEnded) {
        if (fence < 0) {
            return;
        }
        List<JobQueue.Waiting<DatacenterJob>> waiting = running().filter(DatacenterJob::queued)
                .map(job -> new JobQueue.Waiting<>(job, job.queuedAtMillis())).toList();
        if (waiting.isEmpty()) {
            return;
        }
        List<WorkerRegistry.Worker> usable = workers.forNewShares();
        // A free core a heartbeat reported counts once per heartbeat: a job started since may have taken it.
        boolean reported = now - lastQueuedStartMillis >= HEARTBEAT_MILLIS
                && usable.stream().anyMatch(worker -> worker.freeCores() > 0);
        boolean free = aJobEnded || reported || running().noneMatch(job -> job.status() == DatacenterJobStatus.RUNNING);
        for (DatacenterJob job : JobQueue.toStart(waiting, free, now, queueLimit)) {
            lastQueuedStartMillis = now;
            long waited = now - job.queuedAtMillis();
            LOG.infof("job %s starts after waiting %.1f s for a free core%s", job.jobId(), waited / 1000.0,
                    waited >= queueLimit.toMillis() ? " (the queue limit: it shares the workers)" : "");
            send(job.jobId(), job.start(usable));
        }
    }

    private synchronized void tick() {
        try {
            // First: what fails below must not stop the statements, which readers may require.
            ticks++;
            stateTerm(ticks % TERM_EVERY_TICKS == 0);
            long now = clock.millis();
            Backpressure level = flow.tick();
            ledger.byId().forEach((jobId, entry) -> {
                DatacenterJob job = entry.job;
                if (job == null) {
                    // Records about a job whose submission never came: given up after the retention.
                    if (now - entry.openedAt >= ledger.limits().retention().toMillis()) {
                        ledger.ended(jobId, now);
                    }
                    return;
                }
                long deadline = job.deadlineEpochMillis();
                if (deadline > 0 && now >= deadline && !job.finished()) {
                    LOG.infof("job %s reached its timeout", jobId);
                    send(jobId, job.stop(DatacenterJobStatus.TIMED_OUT));
                }
                // A follower drops its windows each second too: the leader reports them.
                Payload.DatacenterProgress progress = job.progress();
                if (progress != null && fence >= 0) {
                    events.send(jobId, fence, progress.withBackpressure(level));
                }
                if (job.finished()) {
                    ledger.ended(jobId, now);
                }
            });
            ledger.expire(now);
            expireHeld(now);
            startQueued(now, false);
            boolean heldBefore = workers.silenceHeld();
            for (String silent : workers.silence(heartbeatSilence)) {
                sharesLost(silent, "it sent no heartbeat for " + heartbeatSilence.toSeconds() + " s");
            }
            if (workers.silenceHeld() && !heldBefore) {
                LOG.warnf("most workers sent no heartbeat for %d s; none is given up for it while membership has"
                        + " them up", heartbeatSilence.toSeconds());
            }
            if (fence >= 0 && (level != sentLevel || ticks % BACKPRESSURE_EVERY_TICKS == 0)) {
                dispatch.send(new Subject.Datacenter(datacenter), fence, new Payload.BackpressureChanged(datacenter, level));
                sentLevel = level;
            }
            if (ticks % STATUS_EVERY_TICKS == 0 && fence >= 0) {
                Snapshot here = snapshot();
                events.send(new Subject.Datacenter(datacenter), fence, new Payload.DatacenterStatus(datacenter,
                        managerId, here.healthyWorkers(), here.cores(), here.freeCores(), here.activeJobs(), here.load(),
                        level, probeAddress, here.workers(), here.managersAlive(), here.managersTotal(),
                        here.coresFreeInMillis(), capabilities));
            }
        } catch (RuntimeException e) {
            LOG.error("the periodic check failed; it runs again in a second", e);
        }
    }

    /**
     * States this manager's Raft term and its group's size, when the term has changed since it last
     * did, or {@code again}: to the workers on the dispatch topic, and to the gates on the events
     * topic. Nothing before it knows a term; not to the workers while a live worker does not read
     * statements, nor to the gates while a gate heard on the jobs topic in the last 10 minutes does
     * not (a node of 4.4 or older would refuse each as a type it does not know). With
     * {@code stampede.protocol.minimum} at 4.5 or later, every peer it reads has them: it states to all.
     */
    private void stateTerm(boolean again) {
        long term = leadership.term();
        if (term <= 0) {
            return;
        }
        Payload.TermStated statement = new Payload.TermStated(datacenter, term,
                Math.max(1, leadership.members().size()));
        if ((term != statedTerm || again)
                && workers.live().stream().allMatch(worker -> peers.uses(worker.id(), Capabilities.TERM_STATEMENTS))) {
            dispatch.send(new Subject.Datacenter(datacenter), 0, statement);
            statedTerm = term;
        }
        long heardSince = clock.millis() - GATE_HEARD_FOR_MILLIS;
        if ((term != statedToGates || again) && gatesHeard.entrySet().stream().filter(gate -> gate.getValue() >= heardSince)
                .allMatch(gate -> peers.uses(gate.getKey(), Capabilities.TERM_STATEMENTS))) {
            events.send(new Subject.Datacenter(datacenter), 0, statement);
            statedToGates = term;
        }
    }

    /** Sends a job's commands under this manager's fence; a follower sends nothing. */
    private void send(JobId jobId, List<DatacenterJob.Command> commands) {
        if (fence < 0) {
            return;
        }
        for (DatacenterJob.Command command : commands) {
            if (command instanceof DatacenterJob.Dispatch dispatched) {
                dispatch.send(jobId, fence, dispatched.payload());
            } else if (command instanceof DatacenterJob.CancelShare cancel) {
                dispatch.send(jobId, fence, cancel.payload());
            } else if (command instanceof DatacenterJob.Finish finish) {
                Optional<DatacenterJob> job = ledger.get(jobId).map(entry -> entry.job);
                // Flush the last windows first, so progress never arrives after the result.
                job.map(DatacenterJob::progress)
                        .ifPresent(progress -> events.send(jobId, fence, progress.withBackpressure(flow.level())));
                LOG.infof("job %s finished here: %s", jobId, finish.payload().status());
                events.send(jobId, fence, finish.payload());
                // The workers let go of the job once its retention has passed.
                dispatch.send(jobId, fence, new Payload.JobEnded(finish.payload().status()));
            }
        }
    }
}
