package io.stampede.manager.messaging;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.stampede.manager.jobs.JobCoordinator;

/** Reads this datacenter's jobs and progress topics; the coordinator decides what records mean. */
@ApplicationScoped
public class DatacenterListener {

    private final JobCoordinator coordinator;

    public DatacenterListener(JobCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Incoming("datacenter")
    public void onRecord(ConsumerRecord<String, byte[]> record) {
        coordinator.onRecord(record.topic(), record.value());
    }

    @Incoming("heartbeats")
    public void onHeartbeat(ConsumerRecord<String, byte[]> record) {
        coordinator.onHeartbeatRecord(record.topic(), record.value());
    }
}
