package io.stampede.node.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

class AssignedPartitionsTest {

    private final AssignedPartitions partitions = new AssignedPartitions();
    private final TopicPartition zero = new TopicPartition("stampede.dc.dc1.dispatch", 0);
    private final TopicPartition one = new TopicPartition("stampede.dc.dc1.dispatch", 1);

    @Test
    void aNodeReadsAndIsReadyOnlyWhileItHoldsAPartition() {
        assertThat(partitions.reading()).as("still joining its group").isFalse();
        assertThat(partitions.call().getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);

        partitions.onPartitionsAssigned(null, List.of(zero, one));
        assertThat(partitions.reading()).isTrue();
        assertThat(partitions.call().getStatus()).isEqualTo(HealthCheckResponse.Status.UP);

        partitions.onPartitionsRevoked(null, List.of(zero));
        assertThat(partitions.reading()).as("one left").isTrue();
        partitions.onPartitionsLost(null, List.of(one));
        assertThat(partitions.reading()).as("revoked, having stopped polling").isFalse();
        assertThat(partitions.call().getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
    }
}
