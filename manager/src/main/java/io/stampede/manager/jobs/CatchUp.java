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
 * Tells when this manager has read every dispatch made so far, so that a new leader acts only
 * after it has seen all of its predecessor's decisions: the end offsets of the datacenter's
 * dispatch topic are taken when leadership is won, and the manager has caught up once it has
 * processed the record before each.
 */
@Singleton
public class CatchUp {

    private static final Logger LOG = Logger.getLogger(CatchUp.class);
    /** How long a new leader waits to catch up before acting anyway (and saying so). */
    static final Duration LIMIT = Duration.ofSeconds(15);

    private final String topic;
    private final String bootstrapServers;
    private final Map<Integer, Long> processed = new ConcurrentHashMap<>();

    public CatchUp(NodeIdentity identity) {
        this.topic = Topics.dispatch(identity.datacenter().orElseThrow());
        this.bootstrapServers = identity.settings().kafkaBootstrapServers();
    }

    /** A record of the datacenter's topics has been applied. */
    public void processed(String recordTopic, int partition, long offset) {
        if (topic.equals(recordTopic)) {
            processed.merge(partition, offset, Math::max);
        }
    }

    /** Runs {@code action} on a thread of its own once caught up, or after {@link #LIMIT}. */
    public void thenRun(Runnable action) {
        Thread thread = new Thread(() -> {
            long began = System.nanoTime();
            try {
                Map<Integer, Long> ends = endOffsets();
                while (!caughtUp(ends) && System.nanoTime() - began < LIMIT.toNanos()) {
                    Thread.sleep(20);
                }
                if (!caughtUp(ends)) {
                    LOG.warnf("not caught up with %s after %s (at %s, end %s); acting anyway", topic, LIMIT, processed, ends);
                } else {
                    LOG.infof("caught up with %s in %d ms", topic, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.warnf(e, "cannot read the end of %s; acting anyway", topic);
            }
            action.run();
        }, "leader-catch-up");
        thread.setDaemon(true);
        thread.start();
    }

    private boolean caughtUp(Map<Integer, Long> ends) {
        return ends.entrySet().stream().allMatch(end -> end.getValue() == 0
                || processed.getOrDefault(end.getKey(), -1L) >= end.getValue() - 1);
    }

    private Map<Integer, Long> endOffsets() throws InterruptedException {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(properties)) {
            TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS)
                    .get(topic);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            description.partitions().forEach(partition -> latest.put(new TopicPartition(topic, partition.partition()),
                    OffsetSpec.latest()));
            Map<Integer, Long> ends = new HashMap<>();
            for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> entry
                    : admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS).entrySet()) {
                ends.put(entry.getKey().partition(), entry.getValue().offset());
            }
            return ends;
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot read the offsets of " + topic + ": " + e.getMessage(), e);
        }
    }
}
