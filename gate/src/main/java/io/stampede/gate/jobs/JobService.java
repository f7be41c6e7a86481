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
import java.util.function.Consumer;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import io.stampede.gate.routing.DatacenterRouter;
import io.stampede.gate.routing.Datacenters;
import io.stampede.model.Topics;
import io.stampede.model.job.JobSpec;
import io.stampede.model.job.JobSpecParser;
import io.stampede.model.job.LoadShare;
import io.stampede.model.job.Problem;
import io.stampede.model.job.WorkflowSpec;
import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.Payload;
import io.stampede.model.wire.ReplayFilter;
import io.stampede.node.messaging.RecordInbox;
import io.stampede.node.messaging.RecordSender;
import io.vertx.core.Vertx;

/**
 * The gate's jobs: accepts submissions (validate, route, split, publish), follows them through
 * the events topic, cancels them, and ends them at their deadline. Jobs live in this gate's
 * memory; gate failover (Raft) comes later. All state is guarded by this object's lock.
 */
@Singleton
public class JobService {

    private static final Logger LOG = Logger.getLogger(JobService.class);

    /** A datacenter whose manager has been silent this long is not used. */
    static final Duration DATACENTER_STALE_AFTER = Duration.ofSeconds(6);
    /** Interim fence of gates until Raft assigns job ownership. */
    static final long FENCE = 1;
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

    private record Idempotent(String bodyDigest, String jobId) {
    }

    public JobService(DatacenterRouter router, RecordInbox inbox, @Identifier("gate-out") RecordSender out,
            Clock clock, Vertx vertx) {
        this.router = router;
        this.inbox = inbox;
        this.out = out;
        this.clock = clock;
        this.vertx = vertx;
        this.datacenters = new Datacenters(clock, DATACENTER_STALE_AFTER);
    }

    void start(@Observes StartupEvent event) {
        timer = vertx.setPeriodic(1_000, id -> {
            enforceDeadlines();
            publishProgress();
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

    public synchronized Submission submit(String body, Optional<String> idempotencyKey) {
        String digest = digest(body);
        if (idempotencyKey.isPresent()) {
            Idempotent known = idempotencyKeys.get(idempotencyKey.get());
            if (known != null) {
                return known.bodyDigest().equals(digest) ? new Accepted(jobs.get(known.jobId()))
                        : new Conflict(known.jobId());
            }
        }
        JobSpecParser.Result read = JobSpecParser.read(body);
        if (read.job().isEmpty()) {
            return new Invalid(read.problems());
        }
        JobSpec spec = read.job().get();
        DatacenterRouter.Route route = router.route(spec.datacenters(), datacenters.all());
        if (route instanceof DatacenterRouter.Refused refused) {
            return new Unroutable(refused.reason());
        }
        List<Datacenters.View> chosen = ((DatacenterRouter.Chosen) route).datacenters();
        String jobId = "job-" + HexFormat.of().formatHex(random.generateSeed(6));
        long deadline = spec.timeout().map(timeout -> clock.millis() + timeout.toMillis()).orElse(0L);
        GlobalJob job = new GlobalJob(jobId, spec.name(), clock.instant(), deadline,
                chosen.stream().map(Datacenters.View::name).toList(),
                spec.workflows().stream().map(WorkflowSpec::name).toList());
        jobs.put(jobId, job);
        idempotencyKey.ifPresent(key -> idempotencyKeys.put(key, new Idempotent(digest, jobId)));
        publish(jobId, spec, body, chosen, deadline);
        trim();
        LOG.infof("job %s (%s) accepted for %s", jobId, spec.name(), job.datacenters());
        return new Accepted(job);
    }

    /** Splits each workflow across the chosen datacenters by free cores and tells each its share. */
    private void publish(String jobId, JobSpec spec, String body, List<Datacenters.View> chosen, long deadline) {
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
            out.sendTo(Topics.jobs(dc), jobId, FENCE, new Payload.JobSubmitted(dc, body, shares.get(i), deadline));
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
                if (finished != null) {
                    LOG.infof("job %s finished: %s", job.id(), finished.status());
                    out.send(job.id(), FENCE, finished);
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
            if (job.deadlineEpochMillis() > 0 && now >= job.deadlineEpochMillis() && job.requestStop("TIMED_OUT")) {
                LOG.infof("job %s reached its timeout", job.id());
                stopEverywhere(job, "timeout");
            }
        }
    }

    /** Publishes each running job's merged statistics, once a second at most, when they changed. */
    private synchronized void publishProgress() {
        for (String id : changedSinceProgress) {
            GlobalJob job = jobs.get(id);
            if (job != null && !job.status().terminal()) {
                out.send(id, FENCE, new Payload.JobProgress(job.status().name(), job.datacenterStatus(), job.totals()));
            }
        }
        changedSinceProgress.clear();
    }

    private void stopEverywhere(GlobalJob job, String reason) {
        for (String dc : job.datacenters()) {
            out.sendTo(Topics.jobs(dc), job.id(), FENCE, new Payload.JobCancelRequested(reason));
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
