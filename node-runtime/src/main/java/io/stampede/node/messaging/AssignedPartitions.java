package io.stampede.node.messaging;

import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

import jakarta.inject.Singleton;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;

/**
 * The partitions a node's work arrives on that its consumer holds now: a worker's dispatch topic,
 * a gate's events topic (the channel names this listener in its configuration,
 * {@code consumer-rebalance-listener.name=assigned-partitions}). A node that holds none (still
 * joining its group, or revoked because it stopped polling) would miss everything sent to it, so
 * it is not ready; a worker sends no heartbeats either, and its managers treat it as lost after
 * {@code stampede.jobs.worker-silence}.
 */
@Readiness
@Singleton
@Identifier(AssignedPartitions.NAME)
public class AssignedPartitions implements KafkaConsumerRebalanceListener, HealthCheck {

    /** The name a channel's configuration gives this listener. */
    public static final String NAME = "assigned-partitions";

    private static final Logger LOG = Logger.getLogger(AssignedPartitions.class);

    private final Set<TopicPartition> assigned = new HashSet<>();

    @Override
    public synchronized void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        assigned.addAll(partitions);
        LOG.infof("reading %d partitions", assigned.size());
    }

    @Override
    public synchronized void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        assigned.removeAll(partitions);
        if (assigned.isEmpty()) {
            LOG.warn("no partition to read any more: not ready until some are assigned again");
        }
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        onPartitionsRevoked(consumer, partitions);
    }

    /** Whether the consumer holds any partition now. */
    public synchronized boolean reading() {
        return !assigned.isEmpty();
    }

    @Override
    public synchronized HealthCheckResponse call() {
        return HealthCheckResponse.named("partitions").withData("assigned", assigned.size())
                .status(!assigned.isEmpty()).build();
    }
}
