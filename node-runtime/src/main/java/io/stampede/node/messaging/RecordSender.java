package io.stampede.node.messaging;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;

import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.Payload;
import io.stampede.model.wire.RecordCodec;

/**
 * Sends this node's records on one channel: numbers them per job, encodes them, keys them by job
 * id and adds CloudEvents headers.
 */
public final class RecordSender {

    private final Emitter<byte[]> emitter;
    private final String sender;
    private final Sequences sequences;
    private final Clock clock;

    public RecordSender(Emitter<byte[]> emitter, String sender, Sequences sequences, Clock clock) {
        this.emitter = emitter;
        this.sender = sender;
        this.sequences = sequences;
        this.clock = clock;
    }

    /** A sender for this node on a channel, numbering its records from 1 per job. */
    public static RecordSender of(Emitter<byte[]> emitter, io.stampede.node.config.NodeIdentity identity, Clock clock) {
        return new RecordSender(emitter, identity.id(), new Sequences(), clock);
    }

    /** Sends a record about {@code key} (a job id; a node id for heartbeats) under {@code fence}. */
    public CompletionStage<Void> send(String key, long fence, Payload payload) {
        return sendTo(null, key, fence, payload);
    }

    /** As {@link #send}, to {@code topic} instead of the channel's own (null: the channel's). */
    public CompletionStage<Void> sendTo(String topic, String key, long fence, Payload payload) {
        Envelope envelope = Envelope.of(key, sender, fence, sequences.next(key), clock.millis(), payload);
        RecordHeaders headers = new RecordHeaders();
        RecordCodec.headers(envelope).forEach((name, value) -> headers.add(name, value.getBytes(StandardCharsets.UTF_8)));
        var builder = OutgoingKafkaRecordMetadata.<String>builder().withKey(key).withHeaders(headers);
        if (topic != null) {
            builder.withTopic(topic);
        }
        OutgoingKafkaRecordMetadata<String> metadata = builder.build();
        CompletableFuture<Void> sent = new CompletableFuture<>();
        emitter.send(Message.of(RecordCodec.encode(envelope))
                .addMetadata(metadata)
                .withAck(() -> {
                    sent.complete(null);
                    return CompletableFuture.completedFuture(null);
                })
                .withNack(failure -> {
                    sent.completeExceptionally(failure);
                    return CompletableFuture.completedFuture(null);
                }));
        return sent;
    }
}
