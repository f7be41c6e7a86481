package io.stampede.manager.messaging;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.stampede.manager.jobs.CatchUp;
import io.stampede.manager.jobs.JobCoordinator;

/**
 * Reads this datacenter's jobs, dispatch and progress topics; the coordinator decides what
 * records mean.
 */
@ApplicationScoped
public class DatacenterListener {

    private final JobCoordinator coordinator;
    private final CatchUp catchUp;

    public DatacenterListener(JobCoordinator coordinator, CatchUp catchUp) {
        this.coordinator = coordinator;
        this.catchUp = catchUp;
    }

    @Incoming("datacenter")
    public void onRecord(ConsumerRecord<String, byte[]> record) {
        coordinator.onRecord(record.topic(), record.value());
        catchUp.processed(record.topic(), record.partition(), record.offset());
    }

    @Incoming("heartbeats")
    public void onHeartbeat(ConsumerRecord<String, byte[]> record) {
        coordinator.onHeartbeatRecord(record.topic(), record.value());
    }
}
