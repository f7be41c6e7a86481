package io.stampede.manager.jobs;

import io.stampede.model.Topics;
import io.stampede.node.config.NodeIdentity;
import io.stampede.node.messaging.KafkaClients;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Tells when this manager has read its datacenter's topics (jobs, dispatch, progress) up to where
 * they ended when it won leadership, so that it acts only after seeing every decision of its
 * predecessor and every result reported so far; a manager that has just started reads them from
 * the beginning first. It has caught up once it has processed the record before each end offset.
 *
 * <p>The caller drives it: {@link #begin(long)} when it wins leadership, then {@link #poll(long)}
 * (on a timer of its own) until the answer is not {@link Status#WAITING}. Only reading the end
 * offsets blocks, and it runs on a thread of its own; the decision is {@link #status}, a pure
 * function of values.
 */
@Singleton
public class CatchUp {

    private static final Logger LOG = Logger.getLogger(CatchUp.class);
    /** How long a new leader waits to catch up before acting anyway (and saying so). */
    static final Duration LIMIT = Duration.ofSeconds(15);
    /** How long each Admin call may take while reading the end offsets, in seconds. */
    private static final long ADMIN_TIMEOUT_SECONDS = 10;

    /**
     * Where a catch-up stands. It starts at WAITING with each {@link #begin(long)}; the caller acts
     * on the first answer that is not WAITING and stops polling, since time and processed offsets
     * only move forward and so the answer would not go back to WAITING anyway.
     */
    public enum Status {
        /**
         * The end offsets are not read yet, or not every record before them is processed; the
         * deadline has not passed.
         */
        WAITING,
        /** Every record before the end offsets read at the start is processed: act now. */
        CAUGHT_UP,
        /** The deadline passed first, or the end offsets could not be read: act anyway. */
        GAVE_UP
    }

    /**
     * One catch-up: the end offsets being read, when it began and its deadline (epoch
     * milliseconds), and whether its outcome has been logged (once is enough).
     */
    private record Attempt(CompletableFuture<Map<TopicPartition, Long>> ends, long beganMillis, long deadlineMillis,
            AtomicBoolean reported) {
    }

    private final List<String> topics;
    private final KafkaClients kafka;
    private final Map<TopicPartition, Long> processed = new ConcurrentHashMap<>();
    private volatile Attempt attempt;

    public CatchUp(NodeIdentity identity, KafkaClients kafka) {
        this.kafka = kafka;
        String datacenter = identity.datacenter().orElseThrow();
        this.topics = List.of(Topics.jobs(datacenter), Topics.dispatch(datacenter), Topics.progress(datacenter));
    }

    /** A record of the datacenter's topics has been applied. */
    public void processed(String recordTopic, int partition, long offset) {
        processed.merge(new TopicPartition(recordTopic, partition), offset, Math::max);
    }

    /**
     * Starts a catch-up: reads the topics' end offsets on a thread of its own and sets the
     * deadline at {@code nowMillis} + {@link #LIMIT}. A catch-up already under way is forgotten.
     *
     * @param nowMillis the caller's clock, in epoch milliseconds
     */
    public void begin(long nowMillis) {
        // A thread per catch-up, as before: the Admin calls block for up to twice
        // ADMIN_TIMEOUT_SECONDS, and a leader is won rarely, so a pool would only sit idle.
        Executor ownThread = task -> {
            Thread thread = new Thread(task, "leader-catch-up");
            thread.setDaemon(true);
            thread.start();
        };
        CompletableFuture<Map<TopicPartition, Long>> ends = CompletableFuture.supplyAsync(() -> {
            try {
                return endOffsets();
            } catch (RuntimeException e) {
                LOG.warnf(e, "cannot read the end of %s; acting anyway", topics);
                throw e;
            }
        }, ownThread);
        attempt = new Attempt(ends, nowMillis, nowMillis + LIMIT.toMillis(), new AtomicBoolean());
    }

    /**
     * Where the catch-up begun last stands at {@code nowMillis}; logs the outcome the first time it
     * is not {@link Status#WAITING}. Cheap and non-blocking, so it may be called often.
     *
     * @throws IllegalStateException when no catch-up was begun
     */
    public Status poll(long nowMillis) {
        Attempt current = attempt;
        if (current == null) {
            throw new IllegalStateException("poll before begin: no catch-up under way");
        }
        CompletableFuture<Map<TopicPartition, Long>> ends = current.ends();
        Optional<Map<TopicPartition, Long>> read = Optional.empty();
        if (ends.isDone()) {
            if (ends.isCompletedExceptionally()) {
                // Nothing to wait for without the end offsets; the reading thread has said why.
                return Status.GAVE_UP;
            }
            read = Optional.of(ends.join());
        }
        Status status = status(read, processed, current.deadlineMillis(), nowMillis);
        if (status != Status.WAITING && current.reported().compareAndSet(false, true)) {
            if (status == Status.CAUGHT_UP) {
                LOG.infof("caught up with %s in %d ms", topics, nowMillis - current.beganMillis());
            } else {
                LOG.warnf("not caught up with %s after %s (at %s, end %s); acting anyway", topics, LIMIT, processed,
                        read.map(Object::toString).orElse("not read yet"));
            }
        }
        return status;
    }

    /**
     * The decision. Caught up when the end offsets are read and, in every partition, the record
     * before the end offset has been processed (an empty partition, end offset 0, has nothing to
     * wait for); that wins even at the deadline. Otherwise waiting until the deadline, then giving
     * up.
     *
     * @param ends           each partition's end offset when leadership was won; empty while not read yet
     * @param processed      the highest offset processed in each partition (absent: none)
     * @param deadlineMillis when to stop waiting, epoch milliseconds
     * @param nowMillis      now, epoch milliseconds
     */
    static Status status(Optional<Map<TopicPartition, Long>> ends, Map<TopicPartition, Long> processed,
            long deadlineMillis, long nowMillis) {
        if (ends.isPresent() && caughtUp(ends.get(), processed)) {
            return Status.CAUGHT_UP;
        }
        return nowMillis < deadlineMillis ? Status.WAITING : Status.GAVE_UP;
    }

    private static boolean caughtUp(Map<TopicPartition, Long> ends, Map<TopicPartition, Long> processed) {
        return ends.entrySet().stream().allMatch(end -> end.getValue() == 0
                || processed.getOrDefault(end.getKey(), -1L) >= end.getValue() - 1);
    }

    private Map<TopicPartition, Long> endOffsets() {
        Properties properties = new Properties();
        properties.putAll(kafka.properties());
        try (Admin admin = Admin.create(properties)) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (TopicDescription description : admin.describeTopics(topics).allTopicNames()
                    .get(ADMIN_TIMEOUT_SECONDS, TimeUnit.SECONDS).values()) {
                description.partitions().forEach(partition -> latest.put(
                        new TopicPartition(description.name(), partition.partition()), OffsetSpec.latest()));
            }
            Map<TopicPartition, Long> ends = new HashMap<>();
            for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> entry
                    : admin.listOffsets(latest).all().get(ADMIN_TIMEOUT_SECONDS, TimeUnit.SECONDS).entrySet()) {
                ends.put(entry.getKey(), entry.getValue().offset());
            }
            return Map.copyOf(ends);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the offsets of " + topics, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read the offsets of " + topics + ": " + e.getMessage(), e);
        }
    }
}
