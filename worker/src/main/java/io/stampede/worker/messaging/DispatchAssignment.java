package io.stampede.worker.messaging;

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
 * Whether this worker reads its dispatch topic: the partitions its consumer holds. A worker that
 * holds none (still joining, or revoked because it stopped polling) would never see a share sent
 * to it, so it is not ready and sends no heartbeats; its managers then treat it as lost after
 * {@code stampede.jobs.worker-silence} and re-run its shares elsewhere.
 */
@Readiness
@Singleton
@Identifier(DispatchAssignment.NAME)
public class DispatchAssignment implements KafkaConsumerRebalanceListener, HealthCheck {

    /** The name the dispatch channel's configuration gives this listener. */
    public static final String NAME = "dispatch-assignment";

    private static final Logger LOG = Logger.getLogger(DispatchAssignment.class);

    private final Set<TopicPartition> assigned = new HashSet<>();

    @Override
    public synchronized void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        assigned.addAll(partitions);
        LOG.infof("reading the dispatch topic: %d partitions", assigned.size());
    }

    @Override
    public synchronized void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        assigned.removeAll(partitions);
        if (assigned.isEmpty()) {
            LOG.warn("no longer reading the dispatch topic: no heartbeats until it is assigned again");
        }
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        onPartitionsRevoked(consumer, partitions);
    }

    /** Whether the dispatch consumer holds any partition now. */
    public synchronized boolean readsDispatch() {
        return !assigned.isEmpty();
    }

    @Override
    public synchronized HealthCheckResponse call() {
        return HealthCheckResponse.named("dispatch").withData("partitions", assigned.size())
                .status(!assigned.isEmpty()).build();
    }
}
