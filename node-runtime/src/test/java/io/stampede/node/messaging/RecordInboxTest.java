package io.stampede.node.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

class RecordInboxTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final RecordInbox inbox = new RecordInbox(registry, DeadLetters.none());

    private double rejected(String topic, String reason) {
        var counter = registry.find("stampede.records.rejected").tag("topic", topic).tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void aRecordThatFailsToApplyIsCountedAndTheConsumerCarriesOn() {
        ConsumerRecord<String, byte[]> record = new ConsumerRecord<>("stampede.jobs.events", 2, 41, "job-1",
                "{}".getBytes(StandardCharsets.UTF_8));
        int[] applied = {0};

        inbox.apply(record, () -> {
            throw new IllegalStateException("a window for a workflow nobody knows");
        });
        inbox.apply(record, () -> applied[0]++);

        assertThat(rejected("stampede.jobs.events", RecordInbox.UNAPPLICABLE)).isEqualTo(1);
        assertThat(applied[0]).isEqualTo(1);
        assertThat(RecordInbox.Source.of(record)).hasToString("stampede.jobs.events/2@41");
    }

    @Test
    void anUnreadableRecordIsCountedByReasonAndNotOpened() {
        var source = new RecordInbox.Source("stampede.dc.dc1.progress", 0, 7);

        assertThat(inbox.open(source, "not a record".getBytes(StandardCharsets.UTF_8))).isEmpty();

        assertThat(rejected("stampede.dc.dc1.progress", "NOT_JSON")).isEqualTo(1);
    }
}
