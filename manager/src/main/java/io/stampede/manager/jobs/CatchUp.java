package io.stampede.manager.jobs;

import io.stampede.model.Topics;
import io.stampede.node.config.NodeIdentity;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
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
 */
@Singleton
public class CatchUp {

    private static final Logger LOG = Logger.getLogger(CatchUp.class);
    /** How long a new leader waits to catch up before acting anyway (and saying so). */
    static final Duration LIMIT = Duration.ofSeconds(15);

    private final List<String> topics;
    private final String bootstrapServers;
    private final Map<TopicPartition, Long> processed = new ConcurrentHashMap<>();

    public CatchUp(NodeIdentity identity) {
        String datacenter = identity.datacenter().orElseThrow();
        this.topics = List.of(Topics.jobs(datacenter), Topics.dispatch(datacenter), Topics.progress(datacenter));
        this.bootstrapServers = identity.settings().kafkaBootstrapServers();
    }

    /** A record of the datacenter's topics has been applied. */
    public void processed(String recordTopic, int partition, long offset) {
        processed.merge(new TopicPartition(recordTopic, partition), offset, Math::max);
    }

    /** Runs {@code action} on a thread of its own once caught up, or after {@link #LIMIT}. */
    public void thenRun(Runnable action) {
        Thread thread = new Thread(() -> {
            long began = System.nanoTime();
            try {
                Map<TopicPartition, Long> ends = endOffsets();
                while (!caughtUp(ends) && System.nanoTime() - began < LIMIT.toNanos()) {
                    Thread.sleep(20);
                }
                if (!caughtUp(ends)) {
                    LOG.warnf("not caught up with %s after %s (at %s, end %s); acting anyway", topics, LIMIT, processed, ends);
                } else {
                    LOG.infof("caught up with %s in %d ms", topics, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.warnf(e, "cannot read the end of %s; acting anyway", topics);
            }
            action.run();
        }, "leader-catch-up");
        thread.setDaemon(true);
        thread.start();
    }

    private boolean caughtUp(Map<TopicPartition, Long> ends) {
        return ends.entrySet().stream().allMatch(end -> end.getValue() == 0
                || processed.getOrDefault(end.getKey(), -1L) >= end.getValue() - 1);
    }

    private Map<TopicPartition, Long> endOffsets() throws InterruptedException {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(properties)) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (TopicDescription description : admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS)
                    .values()) {
                description.partitions().forEach(partition -> latest.put(
                        new TopicPartition(description.name(), partition.partition()), OffsetSpec.latest()));
            }
            Map<TopicPartition, Long> ends = new HashMap<>();
            for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> entry
                    : admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS).entrySet()) {
                ends.put(entry.getKey(), entry.getValue().offset());
            }
            return ends;
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot read the offsets of " + topics + ": " + e.getMessage(), e);
        }
    }
}
