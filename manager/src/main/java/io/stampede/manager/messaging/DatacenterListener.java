package io.stampede.manager.messaging;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.stampede.manager.flow.ProgressFlow;
import io.stampede.manager.jobs.CatchUp;
import io.stampede.manager.jobs.JobCoordinator;
import io.stampede.model.Topics;
import io.stampede.node.config.NodeIdentity;
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
    private final ProgressFlow flow;
    private final String progressTopic;

    public DatacenterListener(JobCoordinator coordinator, CatchUp catchUp, RecordInbox inbox, ProgressFlow flow,
            NodeIdentity identity) {
        this.coordinator = coordinator;
        this.catchUp = catchUp;
        this.inbox = inbox;
        this.flow = flow;
        this.progressTopic = Topics.progress(identity.datacenter().orElseThrow());
    }

    @Incoming("datacenter")
    public void onRecord(ConsumerRecord<String, byte[]> record) {
        if (record.topic().equals(progressTopic)) {
            flow.applying(record.timestamp());
        }
        inbox.apply(record, () -> coordinator.onRecord(RecordInbox.Source.of(record), record.value()));
        catchUp.processed(record.topic(), record.partition(), record.offset());
    }

    @Incoming("heartbeats")
    public void onHeartbeat(ConsumerRecord<String, byte[]> record) {
        inbox.applyAlso(record, () -> coordinator.onHeartbeatRecord(record.value()));
    }
}
