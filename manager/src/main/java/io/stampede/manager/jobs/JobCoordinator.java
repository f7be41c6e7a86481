package io.stampede.manager.jobs;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import io.stampede.cluster.leadership.RaftLeadership;
import io.stampede.cluster.membership.MemberState;
import io.stampede.cluster.membership.MemberView;
import io.stampede.cluster.membership.MembershipListener;
import io.stampede.manager.dispatch.DatacenterJob;
import io.stampede.manager.dispatch.WorkerRegistry;
import io.stampede.model.NodeRole;
import io.stampede.model.job.JobSpec;
import io.stampede.model.job.JobSpecParser;
import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.Payload;
import io.stampede.model.wire.RecordCodec;
import io.stampede.model.wire.ReplayFilter;
import io.stampede.node.config.NodeIdentity;
import io.stampede.node.leadership.NodeLeadership;
import io.stampede.node.membership.NodeMembership;
import io.stampede.node.messaging.RecordInbox;
import io.stampede.node.messaging.RecordSender;
import io.vertx.core.Vertx;

/**
 * Runs this datacenter's jobs: applies records from the jobs and progress topics to each job's
 * {@link DatacenterJob}, sends the commands it returns, and once a second publishes progress and
 * enforces job deadlines. Workers are live while membership (SWIM) has them up; a worker it
 * declares DEAD or LEFT loses its running shares. All state is guarded by this object's lock.
 */
@Singleton
public class JobCoordinator {

    private static final Logger LOG = Logger.getLogger(JobCoordinator.class);

    /** How often progress is published and deadlines and workers checked, in milliseconds. */
    static final long TICK_MILLIS = 1_000;
    /** How long a finished job is kept, so that a new leader can re-send a result the old one may not have sent. */
    static final long KEEP_FINISHED_MILLIS = 60_000;
    /** Jobs whose dispatches may wait for their submission; beyond this the oldest are dropped. */
    static final int MAX_EARLY_JOBS = 1_000;
    /** The datacenter's status goes to the gates every this many ticks. */
    static final int STATUS_EVERY_TICKS = 2;

    private final String datacenter;
    private final RecordInbox inbox;
    private final RecordSender dispatch;
    private final RecordSender events;
    private final Clock clock;
    private final Vertx vertx;
    private final WorkerRegistry workers;
    private final ReplayFilter replays = new ReplayFilter();
    private final Map<String, DatacenterJob> jobs = new LinkedHashMap<>();
    private final Map<String, Long> deadlines = new LinkedHashMap<>();
    private final Map<String, Long> finishedAt = new LinkedHashMap<>();
    /** Dispatches seen before their job's submission (they travel on another topic). */
    private final Map<String, List<Payload.WorkflowDispatched>> earlyDispatches = new LinkedHashMap<>();
    /** The term this manager leads in and issues records under; −1 while it follows. */
    private long fence = -1;
    private long timer = -1;
    private long ticks;
    private final String managerId;
    private final NodeMembership membership;
    private final NodeLeadership leadership;
    private final CatchUp catchUp;

    public JobCoordinator(NodeIdentity identity, RecordInbox inbox, @Identifier("dispatch") RecordSender dispatch,
            @Identifier("events") RecordSender events, Clock clock, Vertx vertx, NodeMembership membership,
            NodeLeadership leadership, CatchUp catchUp) {
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
                vertx.runOnContext(ignored -> workerGone(member.id(), "was forgotten by membership"));
            }
        });
        leadership.watch(new RaftLeadership.Listener() {
            @Override
            public void leading(long term) {
                // Act only once every dispatch the old leader made has been read, so nothing is
                // dispatched twice.
                catchUp.thenRun(() -> vertx.runOnContext(ignored -> takeOver(term)));
            }

            @Override
            public void following(Optional<String> leader, long term) {
                vertx.runOnContext(ignored -> follow());
            }
        });
    }

    private synchronized void takeOver(long term) {
        if (leadership.fence() != term) {
            return; // lost it again while catching up
        }
        fence = term;
        long now = clock.millis();
        LOG.infof("leading datacenter %s (fence %d): taking over %d jobs", datacenter, term, jobs.size());
        jobs.forEach((jobId, job) -> {
            // A job that ended long ago (read back from the topics at start) had its result sent then.
            Long ended = finishedAt.get(jobId);
            if (!job.finished() || ended == null || now - ended < KEEP_FINISHED_MILLIS) {
                send(jobId, job.takeOver(workers.live(), now));
            }
        });
    }

    private synchronized void follow() {
        if (fence >= 0) {
            LOG.warnf("no longer leading datacenter %s; following", datacenter);
        }
        fence = -1;
        jobs.values().forEach(job -> job.decide(false));
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
            workerGone(member.id(), "is " + member.state());
        }
    }

    private synchronized void workerGone(String id, String why) {
        if (workers.down(id)) {
            LOG.warnf("worker %s %s; its running shares have failed", id, why);
            jobs.forEach((jobId, job) -> send(jobId, job.workerLost(id, workers.live(), clock.millis())));
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** Jobs running here. */
    public synchronized int activeJobs() {
        return (int) jobs.values().stream().filter(job -> !job.finished()).count();
    }

    /** Live workers. */
    public synchronized List<WorkerRegistry.Worker> workers() {
        return workers.live();
    }

    /** A record from the jobs or progress topic of this datacenter. */
    public void onRecord(String topic, byte[] value) {
        inbox.open(topic, value).ifPresent(envelope -> {
            try {
                apply(topic, envelope);
            } catch (RuntimeException e) {
                LOG.errorf(e, "could not apply %s for job %s", envelope.type().wireName(), envelope.jobId());
            }
        });
    }

    /** A record from the progress topic read for heartbeats only (every manager sees every worker). */
    public void onHeartbeatRecord(String topic, byte[] value) {
        // Other records on this topic, readable or not, are the job channel's business (and count).
        if (RecordCodec.decode(value) instanceof RecordCodec.Accepted accepted
                && accepted.envelope().payload() instanceof Payload.WorkerHeartbeat heartbeat) {
            synchronized (this) {
                if (workers.heard(heartbeat.worker(), heartbeat.cores(), heartbeat.freeCores(), heartbeat.version())) {
                    LOG.infof("worker %s is live (%d cores)", heartbeat.worker(), heartbeat.cores());
                }
            }
        }
    }

    private synchronized void apply(String topic, Envelope envelope) {
        Payload payload = envelope.payload();
        if (payload instanceof Payload.WorkerHeartbeat) {
            return;
        }
        ReplayFilter.Verdict verdict = replays.offer(envelope);
        if (verdict != ReplayFilter.Verdict.ACCEPTED) {
            inbox.dropped(topic, envelope, verdict);
            return;
        }
        String jobId = envelope.jobId();
        if (payload instanceof Payload.WorkflowDispatched dispatched) {
            DatacenterJob job = jobs.get(jobId);
            if (job != null) {
                job.observeDispatch(dispatched);
            } else {
                earlyDispatches.computeIfAbsent(jobId, key -> new java.util.ArrayList<>()).add(dispatched);
                if (earlyDispatches.size() > MAX_EARLY_JOBS) {
                    earlyDispatches.remove(earlyDispatches.keySet().iterator().next());
                }
            }
        } else if (payload instanceof Payload.JobSubmitted submitted) {
            submit(jobId, submitted);
        } else if (payload instanceof Payload.JobCancelRequested cancel) {
            DatacenterJob job = jobs.get(jobId);
            if (job != null) {
                LOG.infof("job %s: cancel (%s)", jobId, cancel.reason());
                send(jobId, job.stop("CANCELLED"));
            }
        } else if (payload instanceof Payload.WorkflowWindowReported window) {
            DatacenterJob job = jobs.get(jobId);
            if (job != null) {
                job.onWindow(window);
            }
        } else if (payload instanceof Payload.WorkflowFinished finished) {
            DatacenterJob job = jobs.get(jobId);
            if (job != null) {
                send(jobId, job.onFinished(finished, workers.live()));
                if (job.finished()) {
                    // When it ended by the record's own time: a job read back at start ended long ago.
                    finishedAt.putIfAbsent(jobId, envelope.timestampMillis());
                }
            }
        }
    }

    private void submit(String jobId, Payload.JobSubmitted submitted) {
        if (jobs.containsKey(jobId) || !datacenter.equals(submitted.datacenter())) {
            return;
        }
        JobSpec spec;
        try {
            spec = JobSpecParser.parse(submitted.spec());
        } catch (IllegalArgumentException e) {
            if (fence >= 0) {
                events.send(jobId, fence, new Payload.DatacenterFinished(datacenter, "FAILED", Map.of(), Map.of(),
                        Map.of("", "the job cannot be read here: " + e.getMessage())));
            }
            return;
        }
        DatacenterJob job = new DatacenterJob(jobId, datacenter, submitted, spec);
        job.decide(fence >= 0);
        jobs.put(jobId, job);
        List<Payload.WorkflowDispatched> early = earlyDispatches.remove(jobId);
        if (early != null) {
            early.forEach(job::observeDispatch);
        }
        if (submitted.deadlineEpochMillis() > 0) {
            deadlines.put(jobId, submitted.deadlineEpochMillis());
        }
        LOG.infof("job %s accepted: %d workflows over %d workers", jobId, spec.workflows().size(), workers.live().size());
        send(jobId, job.advance(workers.live()));
    }

    private synchronized void tick() {
        try {
            long now = clock.millis();
            deadlines.forEach((jobId, deadline) -> {
                DatacenterJob job = jobs.get(jobId);
                if (now >= deadline && job != null && !job.finished()) {
                    LOG.infof("job %s reached its timeout", jobId);
                    send(jobId, job.stop("TIMED_OUT"));
                }
            });
            jobs.forEach((jobId, job) -> {
                // A follower drops its windows each second too: the leader reports them.
                Payload.DatacenterProgress progress = job.progress();
                if (progress != null && fence >= 0) {
                    events.send(jobId, fence, progress);
                }
                if (job.finished()) {
                    finishedAt.putIfAbsent(jobId, now);
                }
            });
            finishedAt.entrySet().removeIf(entry -> {
                boolean old = now - entry.getValue() >= KEEP_FINISHED_MILLIS;
                if (old) {
                    jobs.remove(entry.getKey());
                }
                return old;
            });
            if (++ticks % STATUS_EVERY_TICKS == 0 && fence >= 0) {
                List<WorkerRegistry.Worker> live = workers.live();
                events.send(datacenter, fence, new Payload.DatacenterStatus(datacenter, managerId, live.size(),
                        live.stream().mapToInt(WorkerRegistry.Worker::cores).sum(),
                        live.stream().mapToInt(WorkerRegistry.Worker::freeCores).sum(), activeJobs()));
            }
            deadlines.keySet().retainAll(jobs.keySet());
        } catch (RuntimeException e) {
            LOG.error("the periodic check failed; it runs again in a second", e);
        }
    }

    /** Sends a job's commands under this manager's fence; a follower sends nothing. */
    private void send(String jobId, List<DatacenterJob.Command> commands) {
        if (fence < 0) {
            return;
        }
        for (DatacenterJob.Command command : commands) {
            if (command instanceof DatacenterJob.Dispatch dispatched) {
                dispatch.send(jobId, fence, dispatched.payload());
            } else if (command instanceof DatacenterJob.CancelShare cancel) {
                dispatch.send(jobId, fence, cancel.payload());
            } else if (command instanceof DatacenterJob.Finish finish) {
                DatacenterJob job = jobs.get(jobId);
                if (job != null) {
                    // Flush the last windows first, so progress never arrives after the result.
                    Payload.DatacenterProgress progress = job.progress();
                    if (progress != null) {
                        events.send(jobId, fence, progress);
                    }
                }
                LOG.infof("job %s finished here: %s", jobId, finish.payload().status());
                events.send(jobId, fence, finish.payload());
            }
        }
    }
}
