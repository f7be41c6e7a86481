package io.stampede.gate.jobs;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import io.stampede.cluster.membership.MemberView;
import io.stampede.gate.ownership.Ownership;
import io.stampede.gate.ownership.OwnershipState;
import io.stampede.gate.routing.DatacenterRouter;
import io.stampede.gate.routing.Datacenters;
import io.stampede.model.NodeRole;
import io.stampede.model.Topics;
import io.stampede.model.job.JobSpec;
import io.stampede.model.job.JobSpecParser;
import io.stampede.model.job.LoadShare;
import io.stampede.model.job.Problem;
import io.stampede.model.job.WorkflowSpec;
import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.Payload;
import io.stampede.model.wire.ReplayFilter;
import io.stampede.node.config.NodeIdentity;
import io.stampede.node.leadership.NodeLeadership;
import io.stampede.node.membership.NodeMembership;
import io.stampede.node.messaging.RecordInbox;
import io.stampede.node.messaging.RecordSender;
import io.vertx.core.Vertx;

/**
 * The gates' jobs: accepts submissions (validate, route, split, publish), follows them through
 * the events topic, cancels them, and ends them at their deadline. Every job is registered in
 * the gates' replicated ownership table ({@link OwnershipState}), so every gate follows every
 * job and answers for it; the job's owner alone publishes its progress and result and enforces
 * its timeout, under the fence the table gives it. When a gate dies, the gates' leader moves its
 * jobs to the live gates with a higher fence. All state is guarded by this object's lock; the
 * lock is never held while waiting for the gates to agree.
 */
@Singleton
public class JobService {

    private static final Logger LOG = Logger.getLogger(JobService.class);

    /** A datacenter whose manager has been silent this long is not used. */
    static final Duration DATACENTER_STALE_AFTER = Duration.ofSeconds(6);
    /** How long a submission waits for the gates to agree on its registration. */
    static final Duration REGISTRATION_TIMEOUT = Duration.ofSeconds(10);
    /** Finished jobs kept for GET, at most. */
    static final int KEEP_FINISHED = 1_000;

    private final DatacenterRouter router;
    private final RecordInbox inbox;
    private final RecordSender out;
    private final Clock clock;
    private final Vertx vertx;
    private final Datacenters datacenters;
    private final ReplayFilter replays = new ReplayFilter();
    private final Map<String, GlobalJob> jobs = new LinkedHashMap<>();
    private final Map<String, Idempotent> idempotencyKeys = new LinkedHashMap<>();
    private final List<Consumer<String>> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final SecureRandom random = new SecureRandom();
    /** Jobs whose statistics changed since global progress was last published. */
    private final java.util.Set<String> changedSinceProgress = new java.util.LinkedHashSet<>();
    private long timer = -1;
    private final NodeIdentity identity;
    private final NodeLeadership leadership;
    private final NodeMembership membership;
    private final OwnershipState ownership;

    private record Idempotent(String bodyDigest, String jobId) {
    }

    public JobService(DatacenterRouter router, RecordInbox inbox, @Identifier("gate-out") RecordSender out,
            Clock clock, Vertx vertx, NodeIdentity identity, NodeLeadership leadership, NodeMembership membership,
            OwnershipState ownership) {
        this.identity = identity;
        this.leadership = leadership;
        this.membership = membership;
        this.ownership = ownership;
        this.router = router;
        this.inbox = inbox;
        this.out = out;
        this.clock = clock;
        this.vertx = vertx;
        this.datacenters = new Datacenters(clock, DATACENTER_STALE_AFTER);
    }

    void start(@Observes StartupEvent event) {
        ownership.listen(this::onOwnership);
        timer = vertx.setPeriodic(1_000, id -> {
            enforceDeadlines();
            publishProgress();
            reassignJobsOfGoneGates();
        });
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** The outcome of a submission. */
    public sealed interface Submission permits Accepted, Invalid, Conflict, Unroutable {
    }

    public record Accepted(GlobalJob job) implements Submission {
    }

    public record Invalid(List<Problem> problems) implements Submission {
    }

    public record Conflict(String jobId) implements Submission {
    }

    public record Unroutable(String reason) implements Submission {
    }

    public Submission submit(String body, Optional<String> idempotencyKey) {
        String digest = digest(body);
        Optional<Submission> repeated = repeated(idempotencyKey, digest);
        if (repeated.isPresent()) {
            return repeated.get();
        }
        JobSpecParser.Result read = JobSpecParser.read(body);
        if (read.job().isEmpty()) {
            return new Invalid(read.problems());
        }
        JobSpec spec = read.job().get();
        List<Datacenters.View> chosen;
        synchronized (this) {
            DatacenterRouter.Route route = router.route(spec.datacenters(), datacenters.all());
            if (route instanceof DatacenterRouter.Refused refused) {
                return new Unroutable(refused.reason());
            }
            chosen = ((DatacenterRouter.Chosen) route).datacenters();
        }
        String jobId = "job-" + HexFormat.of().formatHex(random.generateSeed(6));
        long deadline = spec.timeout().map(timeout -> clock.millis() + timeout.toMillis()).orElse(0L);
        Ownership.Entry entry = new Ownership.Entry(jobId, spec.name(), clock.millis(), deadline,
                chosen.stream().map(Datacenters.View::name).toList(),
                spec.workflows().stream().map(WorkflowSpec::name).toList(), idempotencyKey.orElse(""), digest,
                Ownership.owner(jobId, liveGates()), 1, false);
        Ownership.Entry registered;
        try {
            registered = OwnershipState.answer(leadership.submit(OwnershipState.encode(new Ownership.Register(entry)))
                    .get(REGISTRATION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).orElseThrow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Unroutable("interrupted while the gates registered the job");
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.warnf("the gates could not register a job: %s", e.getMessage());
            return new Unroutable("the gates could not agree on the job within " + REGISTRATION_TIMEOUT.toSeconds()
                    + " s (is a majority of the gates up?)");
        }
        if (!registered.id().equals(jobId)) {
            // The same Idempotency-Key reached another gate first: answer with that job.
            synchronized (this) {
                GlobalJob existing = follow(registered);
                return registered.bodyDigest().equals(digest) ? new Accepted(existing) : new Conflict(registered.id());
            }
        }
        synchronized (this) {
            GlobalJob job = follow(registered);
            publish(jobId, spec, body, chosen, deadline, registered.fence());
            trim();
            LOG.infof("job %s (%s) accepted for %s, owned by %s", jobId, spec.name(), job.datacenters(),
                    registered.owner());
            return new Accepted(job);
        }
    }

    private synchronized Optional<Submission> repeated(Optional<String> idempotencyKey, String digest) {
        if (idempotencyKey.isPresent()) {
            Idempotent known = idempotencyKeys.get(idempotencyKey.get());
            if (known != null && jobs.containsKey(known.jobId())) {
                return Optional.of(known.bodyDigest().equals(digest) ? new Accepted(jobs.get(known.jobId()))
                        : new Conflict(known.jobId()));
            }
        }
        return Optional.empty();
    }

    /** Follows a job the table knows: creates its local view if new, and notes its owner. */
    private GlobalJob follow(Ownership.Entry entry) {
        GlobalJob job = jobs.computeIfAbsent(entry.id(), id -> new GlobalJob(id, entry.name(),
                Instant.ofEpochMilli(entry.submittedAtMillis()), entry.deadlineEpochMillis(), entry.datacenters(),
                entry.workflows()));
        String previousOwner = job.owner();
        job.ownedBy(entry.owner(), entry.fence());
        if (!entry.idempotencyKey().isEmpty()) {
            idempotencyKeys.putIfAbsent(entry.idempotencyKey(), new Idempotent(entry.bodyDigest(), entry.id()));
        }
        if (!previousOwner.isEmpty() && !previousOwner.equals(entry.owner()) && mine(entry.id())) {
            LOG.warnf("taking over job %s from %s (fence %d)", entry.id(), previousOwner, entry.fence());
            if (job.result() != null) {
                out.send(job.id(), entry.fence(), job.result());
            }
        }
        return job;
    }

    /** The ownership table changed (on Raft's thread). */
    private void onOwnership(List<Ownership.Entry> changed) {
        List<String> ids = new ArrayList<>();
        synchronized (this) {
            for (Ownership.Entry entry : changed) {
                follow(entry);
                ids.add(entry.id());
            }
        }
        ids.forEach(id -> listeners.forEach(listener -> listener.accept(id)));
    }

    private boolean mine(String jobId) {
        GlobalJob job = jobs.get(jobId);
        return job != null && job.owner().equals(identity.id());
    }

    private long fence(String jobId) {
        GlobalJob job = jobs.get(jobId);
        return job == null ? 1 : job.fence();
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
     * The gates' leader moves the unfinished jobs of gates that membership holds DEAD or LEFT, or
     * no longer knows, to the live gates.
     */
    private void reassignJobsOfGoneGates() {
        if (!leadership.leading()) {
            return;
        }
        List<String> live = liveGates();
        java.util.Set<String> gone = new java.util.TreeSet<>();
        ownership.entries().stream().filter(entry -> !entry.finished() && !live.contains(entry.owner()))
                .forEach(entry -> gone.add(entry.owner()));
        for (String gate : gone) {
            LOG.warnf("gate %s is gone: moving its jobs to %s", gate, live);
            leadership.submit(OwnershipState.encode(new Ownership.Reassign(gate, live)));
        }
    }

    /** Splits each workflow across the chosen datacenters by free cores and tells each its share. */
    private void publish(String jobId, JobSpec spec, String body, List<Datacenters.View> chosen, long deadline,
            long fence) {
        boolean anyFree = chosen.stream().anyMatch(dc -> dc.freeCores() > 0);
        List<Integer> weights = chosen.stream().map(dc -> anyFree ? dc.freeCores() : Math.max(1, dc.workers())).toList();
        List<Map<String, LoadShare>> shares = new ArrayList<>();
        chosen.forEach(dc -> shares.add(new LinkedHashMap<>()));
        for (WorkflowSpec workflow : spec.workflows()) {
            List<LoadShare> parts = LoadShare.whole(workflow).split(weights);
            for (int i = 0; i < chosen.size(); i++) {
                shares.get(i).put(workflow.name(), parts.get(i));
            }
        }
        for (int i = 0; i < chosen.size(); i++) {
            String dc = chosen.get(i).name();
            out.sendTo(Topics.jobs(dc), jobId, fence, new Payload.JobSubmitted(dc, body, shares.get(i), deadline));
        }
    }

    /**
     * Reads a job under this service's lock: {@link GlobalJob} is not thread-safe, and records
     * from Kafka change it while HTTP threads read it.
     */
    public synchronized <T> Optional<T> read(String jobId, java.util.function.Function<GlobalJob, T> reader) {
        return Optional.ofNullable(jobs.get(jobId)).map(reader);
    }

    /** Reads every job under this service's lock, newest first. */
    public synchronized <T> List<T> readAll(java.util.function.Predicate<GlobalJob> filter,
            java.util.function.Function<GlobalJob, T> reader) {
        List<GlobalJob> matching = new ArrayList<>(jobs.values().stream().filter(filter).toList());
        Collections.reverse(matching);
        return matching.stream().map(reader).toList();
    }

    public synchronized List<Datacenters.View> datacenters() {
        return datacenters.all();
    }

    /** Asks every datacenter of the job to stop it and reads it; empty when the job is unknown. */
    public synchronized <T> Optional<T> cancel(String jobId, String reason, java.util.function.Function<GlobalJob, T> reader) {
        GlobalJob job = jobs.get(jobId);
        if (job == null) {
            return Optional.empty();
        }
        if (job.requestStop("CANCELLED")) {
            stopEverywhere(job, reason);
        }
        return Optional.of(reader.apply(job));
    }

    /** Called with the job id whenever a job's status or statistics change. */
    public void listen(Consumer<String> listener) {
        listeners.add(listener);
    }

    public void unlisten(Consumer<String> listener) {
        listeners.remove(listener);
    }

    /** A record from the events topic. */
    public void onEvent(String topic, byte[] value) {
        Optional<Envelope> opened = inbox.open(topic, value);
        if (opened.isEmpty()) {
            return;
        }
        Envelope envelope = opened.get();
        String changed = null;
        synchronized (this) {
            Payload payload = envelope.payload();
            if (payload instanceof Payload.DatacenterStatus status) {
                datacenters.heard(status);
                return;
            }
            if (!(payload instanceof Payload.DatacenterProgress || payload instanceof Payload.DatacenterFinished)) {
                return;
            }
            GlobalJob job = jobs.get(envelope.jobId());
            if (job == null) {
                return;
            }
            ReplayFilter.Verdict verdict = replays.offer(envelope);
            if (verdict != ReplayFilter.Verdict.ACCEPTED) {
                inbox.dropped(topic, envelope, verdict);
                return;
            }
            if (payload instanceof Payload.DatacenterProgress progress) {
                job.onProgress(progress);
                changedSinceProgress.add(job.id());
            } else {
                Payload.JobFinished finished = job.onFinished((Payload.DatacenterFinished) payload);
                if (finished != null && mine(job.id())) {
                    LOG.infof("job %s finished: %s", job.id(), finished.status());
                    out.send(job.id(), fence(job.id()), finished);
                    leadership.submit(OwnershipState.encode(new Ownership.Finished(job.id())));
                }
            }
            changed = job.id();
        }
        String id = changed;
        listeners.forEach(listener -> listener.accept(id));
    }

    private synchronized void enforceDeadlines() {
        long now = clock.millis();
        for (GlobalJob job : jobs.values()) {
            if (mine(job.id()) && job.deadlineEpochMillis() > 0 && now >= job.deadlineEpochMillis()
                    && job.requestStop("TIMED_OUT")) {
                LOG.infof("job %s reached its timeout", job.id());
                stopEverywhere(job, "timeout");
            }
        }
    }

    /** Publishes each running job's merged statistics, once a second at most, when they changed. */
    private synchronized void publishProgress() {
        for (String id : changedSinceProgress) {
            GlobalJob job = jobs.get(id);
            if (job != null && !job.status().terminal() && mine(id)) {
                out.send(id, fence(id), new Payload.JobProgress(job.status().name(), job.datacenterStatus(), job.totals()));
            }
        }
        changedSinceProgress.clear();
    }

    private void stopEverywhere(GlobalJob job, String reason) {
        for (String dc : job.datacenters()) {
            out.sendTo(Topics.jobs(dc), job.id(), fence(job.id()), new Payload.JobCancelRequested(reason));
        }
    }

    /** Forgets the oldest finished jobs beyond the limit. */
    private void trim() {
        long finished = jobs.values().stream().filter(job -> job.status().terminal()).count();
        var iterator = jobs.values().iterator();
        while (finished > KEEP_FINISHED && iterator.hasNext()) {
            GlobalJob job = iterator.next();
            if (job.status().terminal()) {
                iterator.remove();
                replays.forget(job.id());
                ownership.forget(job.id());
                finished--;
            }
        }
    }

    private static String digest(String body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
