package io.stampede.worker.messaging;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.stampede.node.messaging.RecordInbox;
import io.stampede.worker.load.ShareRunner;

/** Reads this datacenter's dispatch topic; the runner decides what each record means. */
@ApplicationScoped
public class DispatchListener {

    private final ShareRunner runner;
    private final RecordInbox inbox;

    public DispatchListener(ShareRunner runner, RecordInbox inbox) {
        this.runner = runner;
        this.inbox = inbox;
    }

    @Incoming("dispatch")
    public void onRecord(ConsumerRecord<String, byte[]> record) {
        inbox.apply(record, () -> runner.onDispatchRecord(RecordInbox.Source.of(record), record.value()));
    }
}
