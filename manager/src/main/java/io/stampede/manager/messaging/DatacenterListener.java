package io.stampede.manager.messaging;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.stampede.manager.jobs.CatchUp;
import io.stampede.manager.jobs.JobCoordinator;
import io.stampede.node.messaging.RecordInbox;

/**
 * Reads this datacenter's jobs, dispatch and progress topics; the coordinator decides what
 * records mean.
 */
@ApplicationScoped
public class DatacenterListener {

    private final JobCoordinator coordinator;
    private final CatchUp catchUp;
    private final RecordInbox inbox;

    public DatacenterListener(JobCoordinator coordinator, CatchUp catchUp, RecordInbox inbox) {
        this.coordinator = coordinator;
        this.catchUp = catchUp;
        this.inbox = inbox;
    }

    @Incoming("datacenter")
    public void onRecord(ConsumerRecord<String, byte[]> record) {
        inbox.apply(record, () -> coordinator.onRecord(RecordInbox.Source.of(record), record.value()));
        catchUp.processed(record.topic(), record.partition(), record.offset());
    }

    @Incoming("heartbeats")
    public void onHeartbeat(ConsumerRecord<String, byte[]> record) {
        inbox.apply(record, () -> coordinator.onHeartbeatRecord(record.value()));
    }
}
