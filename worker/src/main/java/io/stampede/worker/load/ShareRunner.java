package io.stampede.worker.load;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import jakarta.interceptor.Interceptor;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import io.stampede.cluster.jobs.JobLedger;
import io.stampede.cluster.leadership.FenceCheck;
import io.stampede.model.JobId;
import io.stampede.model.ShareKey;
import io.stampede.model.Topics;
import io.stampede.model.job.JobSpecParser;
import io.stampede.model.job.LoadShare;
import io.stampede.model.job.WorkflowSpec;
import io.stampede.model.lifecycle.ShareState;
import io.stampede.model.load.LoadState;
import io.stampede.model.load.Progress;
import io.stampede.model.stats.WorkflowWindow;
import io.stampede.worker.flow.MemoryGuard;
import io.stampede.worker.flow.WindowBatcher;
import io.stampede.worker.flow.WorkerFlow;
import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.Payload;
import io.stampede.node.config.NodeConfig;
import io.stampede.node.config.NodeIdentity;
import io.stampede.node.jobs.LedgerGauges;
import io.stampede.node.jobs.LedgerSettings;
import io.stampede.node.messaging.FencedRecords;
import io.stampede.node.messaging.RecordInbox;
import io.stampede.node.messaging.RecordSender;
import io.stampede.worker.engine.LoadEngine;
import io.stampede.worker.engine.WorkflowResult;
import io.stampede.worker.engine.WorkflowRun;
import io.stampede.worker.engine.WorkflowShare;
import io.vertx.core.Vertx;

/**
 * Runs the workflow shares dispatched to this worker and reports on them: a
 * {@code workflow.window} record per window and a {@code workflow.finished} record at the end,
 * on the datacenter's progress topic, each under the fence of the dispatch. What it holds per
 * job (each workflow read once, its shares, its replay filter) lives in one {@link JobLedger}
 * entry, released when the leader says the job has ended here ({@code job.ended}) and the
 * retention has passed; a share still running then is cancelled.
 */
@Singleton
public class ShareRunner {

    private static final Logger LOG = Logger.getLogger(ShareRunner.class);
    /** The longest a shutting-down worker waits for its shares to stop and their last windows to be taken. */
    static final Duration SHUTDOWN_FLUSH = Duration.ofSeconds(3);
    /** How often ended jobs past their retention are released, in milliseconds. */
    static final long EXPIRE_EVERY_MILLIS = 1_000;
    /** A late share asks for more time only this close to the job's timeout, in milliseconds. */
    static final long ASK_BEFORE_MILLIS = 10_000;
    /** And at most this often, in milliseconds. */
    static final long ASK_EVERY_MILLIS = 3_000;

    /** What this worker holds about one job. */
    static final class WorkerJob {
        /** Each workflow dispatched here, read once from its document. */
        final Map<String, WorkflowSpec> workflows = new LinkedHashMap<>();
        final Map<ShareKey, Share> shares = new LinkedHashMap<>();
    }

    /** One share here. */
    static final class Share {
        ShareState state = ShareState.RUNNING;
        WorkflowRun run;
        /** Holds windows back while the manager asks for backpressure; flushed before the result. */
        WindowBatcher windows;
        /** The share's virtual users (the most of them, in the open model). */
        long vus;
        /** Who the share is, under which fence, when it started and when the job times out (0: never). */
        ShareKey key;
        long fence;
        long startedAtMillis;
        long deadlineEpochMillis;
        /** When this worker last asked for more time for it; 0 before. */
        long askedAtMillis;
        /** Arrivals started and due at the last {@link ShareRunner#progress()} reading. */
        long[] arrivalsRead = { 0, 0 };
        /** Done once the share has ended and its last windows have been handed to Kafka, however it ended. */
        CompletableFuture<?> ended = CompletableFuture.completedFuture(null);
        /** Stopped because this worker shuts down: its end is not reported, so its leader runs it again. */
        volatile boolean stoppedForShutdown;

        void move(ShareState next) {
            state = state.moveTo(next);
        }
    }

    private final NodeIdentity identity;
    private final LoadEngine engine;
    private final RecordInbox inbox;
    private final RecordSender progress;
    private final String dispatchTopic;
    private final Clock clock;
    private final Vertx vertx;
    /** Guarded by this object's lock. */
    private final JobLedger<WorkerJob> ledger;
    private final AtomicInteger running = new AtomicInteger();
    /** The memory guard's collection count when this worker last shed virtual users. */
    private long collectionsAtLastShed = -1;
    private final WorkerFlow flow;
    private final MemoryGuard memory;
    private long timer = -1;
    /** Windows handed to Kafka and not yet acknowledged. */
    private final Set<CompletableFuture<Void>> pendingWindows = ConcurrentHashMap.newKeySet();
    /** Set when this worker shuts down: shares that end then are not reported finished. */
    private volatile boolean shuttingDown;
    private final String datacenter;
    /** The fences of this datacenter's leaders, checked against its managers' terms. Guarded by this object's lock. */
    private final FencedRecords fenced;
    /** What {@link #fenced} verifies, for the metrics, which read it without the lock. */
    private volatile long verified = -1;

    public ShareRunner(NodeIdentity identity, LoadEngine engine, RecordInbox inbox,
            @Identifier("progress") RecordSender progress, Clock clock, Vertx vertx, NodeConfig config,
            MeterRegistry registry, WorkerFlow flow, MemoryGuard memory) {
        this.flow = flow;
        this.memory = memory;
        this.clock = clock;
        this.identity = identity;
        this.engine = engine;
        this.inbox = inbox;
        this.progress = progress;
        this.vertx = vertx;
        this.datacenter = identity.datacenter().orElseThrow();
        this.dispatchTopic = Topics.dispatch(datacenter);
        this.ledger = new JobLedger<>(LedgerSettings.limits(config.jobs()));
        this.fenced = new FencedRecords(inbox);
        LedgerGauges.register(registry, this::retained, this::tombstones);
        io.micrometer.core.instrument.Gauge.builder("stampede.leader.term.verified", this, runner -> runner.verified)
                .description("The highest Raft term a majority of this datacenter's managers has stated; -1 before one")
                .tag("datacenter", datacenter).register(registry);
    }

    void start(@Observes StartupEvent event) {
        timer = vertx.setPeriodic(EXPIRE_EVERY_MILLIS, id -> expire());
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /**
     * When this worker shuts down, first of all (before membership says it left, and while Kafka's
     * producers are open): every running share stops its load at once and reports its last
     * windows, so that what it sent is counted, or, should its leader have given it up already,
     * lies within the bound its leader declared for it. None of them is reported finished: its leader
     * gives it up as lost (and runs a duration-based one again for the time it had left). Shares
     * dispatched from then on are not started. Waits at most {@link #SHUTDOWN_FLUSH} for the shares
     * to stop and for the broker to take their windows.
     */
    void stopShares(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) ShutdownEvent event) {
        shuttingDown = true;
        List<CompletableFuture<?>> ends = new ArrayList<>();
        synchronized (this) {
            for (WorkerJob job : ledger.entries()) {
                for (Share share : job.shares.values()) {
                    if (share.run != null && !share.state.terminal()) {
                        share.stoppedForShutdown = true;
                        ends.add(share.ended);
                        share.run.cancel();
                    }
                }
            }
        }
        if (ends.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + SHUTDOWN_FLUSH.toNanos();
        try {
            CompletableFuture.allOf(ends.toArray(CompletableFuture[]::new))
                    .get(SHUTDOWN_FLUSH.toMillis(), TimeUnit.MILLISECONDS);
            CompletableFuture.allOf(pendingWindows.toArray(CompletableFuture[]::new))
                    .get(Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
            LOG.infof("shutting down: stopped %d running share(s) and reported their last windows", ends.size());
        } catch (ExecutionException | TimeoutException e) {
            LOG.warnf("shutting down: %d running share(s) did not stop and report within %s: their leader's bound"
                    + " of what they sent unreported covers them", ends.size(), SHUTDOWN_FLUSH);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Sends a share's window, remembered until the broker has it, for {@link #stopShares}. */
    private void sendWindow(JobId jobId, long fence, Payload payload) {
        CompletableFuture<Void> sent = progress.send(jobId, fence, payload).toCompletableFuture();
        pendingWindows.add(sent);
        sent.whenComplete((done, failure) -> pendingWindows.remove(sent));
    }

    /**
     * How this worker's arrival-rate shares kept up since the last call (the worst of them):
     * iterations started against iterations due. Called with each heartbeat.
     */
    public synchronized Progress progress() {
        Progress worst = Progress.UNKNOWN;
        for (WorkerJob job : ledger.entries()) {
            for (Share share : job.shares.values()) {
                long[] now = share.run == null || share.state.terminal() ? null : share.run.arrivals();
                if (now != null) {
                    worst = worst.worst(Progress.of(now[0] - share.arrivalsRead[0], now[1] - share.arrivalsRead[1]));
                    share.arrivalsRead = now;
                }
            }
        }
        return worst;
    }

    /** Shares running now. */
    public int runningShares() {
        return running.get();
    }

    public synchronized int retained() {
        return ledger.retained();
    }

    public synchronized int tombstones() {
        return ledger.tombstones();
    }

    private synchronized void expire() {
        long now = clock.millis();
        fenced.apply(fenced.expire(now), held -> apply(held.envelope()));
        ledger.expire(now);
        // Shed again only once a collection has measured what the last shedding freed.
        if (memory.state() == LoadState.OVERLOADED && memory.collections() > collectionsAtLastShed) {
            collectionsAtLastShed = memory.collections();
            shedNewest();
        }
        ledger.entries().stream().flatMap(job -> job.shares.values().stream())
                .filter(share -> share.run != null && !share.state.terminal() && share.deadlineEpochMillis > 0)
                .forEach(share -> askForTimeIfLate(share, now));
    }

    /**
     * A share bounded by iterations alone that will not end before the job's timeout at its pace
     * so far asks its manager for more time, with its progress and how long it expects to need:
     * from {@value #ASK_BEFORE_MILLIS} ms before the timeout, at most every {@value
     * #ASK_EVERY_MILLIS} ms, and on past the timeout it was given (still running there means its
     * manager granted more). The manager decides ({@code ExtensionGrants}): granted while the share
     * progresses, at most 5 times; a share that has made no progress is refused.
     */
    private void askForTimeIfLate(Share share, long now) {
        long left = share.deadlineEpochMillis - now;
        OptionalDouble progress = share.run.progress();
        if (progress.isEmpty() || left > ASK_BEFORE_MILLIS || now - share.askedAtMillis < ASK_EVERY_MILLIS) {
            return;
        }
        double done = progress.getAsDouble();
        long elapsed = Math.max(1, now - share.startedAtMillis);
        long eta = done <= 0 ? Long.MAX_VALUE : (long) (elapsed * (1 - done) / done);
        if (done >= 1 || eta < left) {
            return;
        }
        share.askedAtMillis = now;
        this.progress.send(share.key.job(), share.fence, new Payload.ExtensionRequested(share.key.workflow(),
                identity.id(), share.key.attempt(), done, eta == Long.MAX_VALUE ? -1 : eta, share.run.activeVus()));
    }

    /**
     * The heap is past its budget: the newest running share that still has virtual users gives up
     * a tenth of them (at least one), after each collection until the heap is back under. Better a
     * smaller test, said so in its report, than a worker dead of OutOfMemoryError.
     */
    private void shedNewest() {
        ledger.entries().stream().flatMap(job -> job.shares.values().stream())
                .filter(share -> share.run != null && !share.state.terminal() && share.run.shedVus() < share.vus)
                .reduce((first, second) -> second)
                .ifPresent(share -> {
                    int vus = (int) Math.max(1, share.vus / 10);
                    long shed = share.run.shed(vus);
                    LOG.warnf("heap past its memory budget: shed %d more virtual users of a share (%d of %d now)",
                            vus, shed, share.vus);
                });
    }

    /**
     * One record from the dispatch topic. What cannot be read is counted and skipped here; what
     * throws while applied is the caller's to count ({@link RecordInbox#apply}).
     */
    public void onDispatchRecord(RecordInbox.Source source, byte[] value) {
        inbox.open(source, value).ifPresent(envelope -> receive(source, value, envelope));
    }

    /**
     * A record on the dispatch topic, every one of which a manager writes under its leader's term:
     * applied when a majority of the datacenter's managers has stated a term as high as its fence
     * (or none has stated one yet: managers of 4.4 and older do not), held otherwise until one
     * does, at most {@value FenceCheck#WAIT_MILLIS} ms, in order ({@link FencedRecords}).
     */
    private synchronized void receive(RecordInbox.Source source, byte[] value, Envelope envelope) {
        if (envelope.payload() instanceof Payload.TermStated stated) {
            if (stated.datacenter().equals(datacenter)) {
                fenced.apply(fenced.stated(envelope, stated, clock.millis()), held -> apply(held.envelope()));
                verified = fenced.verified(datacenter);
            }
            return;
        }
        if (fenced.admit(datacenter, source, value, envelope, clock.millis())) {
            apply(envelope);
        }
    }

    private synchronized void apply(Envelope envelope) {
        if (envelope.payload() instanceof Payload.BackpressureChanged backpressure) {
            flow.heard(envelope.fence(), backpressure.level());
            return;
        }
        if (!envelope.aboutJob()) {
            return;
        }
        Payload payload = envelope.payload();
        JobId job = envelope.jobId();
        if (shuttingDown && payload instanceof Payload.WorkflowDispatched dispatch && addressedHere(dispatch.worker())) {
            // Not started: its leader, hearing that this worker left, runs it elsewhere.
            LOG.infof("share %s/%s@%s#%d not started: this worker is shutting down", job, dispatch.workflow(),
                    identity.id(), dispatch.attempt());
            return;
        }
        // Only a dispatch addressed here opens a job; anything else about a job never seen here is not ours.
        boolean opens = payload instanceof Payload.WorkflowDispatched dispatch && addressedHere(dispatch.worker());
        JobLedger.Admission<WorkerJob> admission = ledger.admit(envelope, opens ? id -> new WorkerJob() : null);
        if (admission instanceof JobLedger.Turned<WorkerJob> turned) {
            inbox.dropped(dispatchTopic, envelope, turned.verdict());
            return;
        }
        if (admission instanceof JobLedger.Full<WorkerJob> && payload instanceof Payload.WorkflowDispatched dispatch) {
            String why = "this worker holds " + ledger.limits().maxJobs() + " running jobs already (stampede.jobs.max-jobs)";
            LOG.errorf("share of job %s refused: %s", job, why);
            reportFailure(new ShareKey(job, dispatch.workflow(), identity.id(), dispatch.attempt()), envelope.fence(),
                    why);
            return;
        }
        if (!(admission instanceof JobLedger.Admitted<WorkerJob> admitted)) {
            return;
        }
        WorkerJob entry = admitted.entry();
        if (payload instanceof Payload.WorkflowDispatched dispatch && opens) {
            start(job, envelope.fence(), entry, dispatch);
        } else if (payload instanceof Payload.WorkflowCancelRequested cancel && addressedHere(cancel.worker())) {
            Share share = entry.shares.get(new ShareKey(job, cancel.workflow(), cancel.worker(), cancel.attempt()));
            if (share != null && share.run != null) {
                share.run.cancel();
            }
        } else if (payload instanceof Payload.JobCancelRequested) {
            entry.shares.values().stream().filter(share -> share.run != null).forEach(share -> share.run.cancel());
        } else if (payload instanceof Payload.JobEnded) {
            // A share still running here is one the leader gave up on (its worker was thought lost,
            // or its workflow failed): nobody counts it any more, so it stops now.
            entry.shares.values().stream().filter(share -> share.run != null && !share.state.terminal())
                    .forEach(share -> share.run.cancel());
            ledger.ended(job, clock.millis());
        }
    }

    private boolean addressedHere(String worker) {
        return identity.id().equals(worker);
    }

    private void start(JobId jobId, long fence, WorkerJob entry, Payload.WorkflowDispatched dispatch) {
        int attempt = dispatch.attempt();
        ShareKey key = new ShareKey(jobId, dispatch.workflow(), identity.id(), attempt);
        long startedAt = identity.startedAt().toEpochMilli();
        if (dispatch.workerStartedAtMillis() != 0 && dispatch.workerStartedAtMillis() != startedAt) {
            // Read again after a restart: the leader has heard of the restart (or will, from the
            // next heartbeat) and treats the earlier process's share as lost.
            LOG.infof("share %s was dispatched to an earlier run of this worker; not run", key);
            return;
        }
        if (entry.shares.containsKey(key)) {
            LOG.infof("share %s is already known here; dispatch ignored", key);
            return;
        }
        Share share = new Share();
        entry.shares.put(key, share);
        WorkflowSpec workflow;
        try {
            workflow = entry.workflows.get(dispatch.workflow());
            if (workflow == null) {
                workflow = JobSpecParser.parse(dispatch.document()).workflow(dispatch.workflow())
                        .orElseThrow(() -> new IllegalArgumentException("the job has no workflow named "
                                + dispatch.workflow()));
                entry.workflows.put(dispatch.workflow(), workflow);
            }
        } catch (IllegalArgumentException e) {
            // An InvalidJobException too: the gate validated the job, so this means a version skew.
            share.move(ShareState.FAILED);
            reportFailure(key, fence, "cannot run the dispatched workflow: " + e.getMessage());
            return;
        }
        if (dispatch.endsAtEpochMillis() > 0 && workflow.load() instanceof WorkflowSpec.Closed closed) {
            // A re-run of a lost share: only the lost share's remaining time.
            long remaining = Math.max(1, dispatch.endsAtEpochMillis() - clock.millis());
            workflow = new WorkflowSpec(workflow.name(), new WorkflowSpec.Closed(closed.vus(),
                    Optional.of(Duration.ofMillis(remaining)), closed.iterations()), workflow.dependsOn(),
                    workflow.exports(), workflow.http(), workflow.gracefulStop(), workflow.steps());
        }
        LoadShare part = dispatch.share();
        Optional<String> tooLarge = memory.refusal(part);
        if (tooLarge.isPresent()) {
            share.move(ShareState.FAILED);
            LOG.errorf("share %s refused: %s", key, tooLarge.get());
            reportFailure(key, fence, "refused by " + identity.id() + ": " + tooLarge.get());
            return;
        }
        WorkflowShare engineShare = new WorkflowShare(workflow, dispatch.variables(), part.vus(), part.rateFactor(),
                part.maxVus(), part.firstVu(), Duration.ofSeconds(1), jobId.hashCode() * 31L + part.firstVu());
        running.incrementAndGet();
        share.vus = Math.max(part.vus(), part.maxVus());
        share.key = key;
        share.fence = fence;
        share.startedAtMillis = clock.millis();
        share.deadlineEpochMillis = dispatch.deadlineEpochMillis();
        share.windows = new WindowBatcher(() -> flow.level().window(), window -> sendWindow(jobId, fence,
                new Payload.WorkflowWindowReported(dispatch.workflow(), identity.id(), window, attempt)));
        share.run = engine.start(engineShare, share.windows);
        LOG.infof("running share %s: %s", key, part);
        share.ended = share.run.completion().whenComplete((result, failure) -> finished(key, fence, share, result,
                failure)).handle((done, failure) -> null);
    }

    private void finished(ShareKey key, long fence, Share share, WorkflowResult result, Throwable failure) {
        running.decrementAndGet();
        share.windows.flush(); // every window before the result
        if (share.stoppedForShutdown) {
            // Its leader gives it up and runs it again: a result would end it instead.
            LOG.infof("share %s stopped: this worker is shutting down", key);
            return;
        }
        synchronized (this) {
            share.move(failure != null ? ShareState.FAILED
                    : result.outcome() == WorkflowResult.Outcome.CANCELLED ? ShareState.CANCELLED : ShareState.COMPLETED);
        }
        if (failure != null) {
            LOG.errorf(failure, "share %s failed", key);
            reportFailure(key, fence, String.valueOf(failure.getMessage()));
            return;
        }
        LOG.infof("share %s ended: %s", key, share.state);
        long shed = share.run.shedVus();
        String note = shed == 0 ? "" : identity.id() + " shed " + shed + " of its " + share.vus
                + " virtual users: its heap reached its memory budget (stampede.overload.memory-budget)";
        progress.send(key.job(), fence, new Payload.WorkflowFinished(key.workflow(), identity.id(), share.state,
                result.totals(), result.exports(), note, key.attempt()));
    }

    private void reportFailure(ShareKey key, long fence, String error) {
        progress.send(key.job(), fence, new Payload.WorkflowFinished(key.workflow(), identity.id(), ShareState.FAILED,
                new WorkflowWindow(key.workflow(), 0, 0, 0, 0, 0, List.of()), Map.of(), error, key.attempt()));
    }
}
