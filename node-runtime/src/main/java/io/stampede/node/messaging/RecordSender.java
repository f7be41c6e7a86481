package io.stampede.node.messaging;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;

import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.stampede.model.JobId;
import io.stampede.model.security.RecordSigning;
import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.Payload;
import io.stampede.model.wire.ProtocolVersion;
import io.stampede.model.wire.RecordCodec;
import io.stampede.model.wire.Subject;
import io.stampede.node.protocol.NodeProtocol;

/**
 * Sends this node's records on one channel: numbers them, encodes them, keys them by their
 * subject, adds CloudEvents headers and, when records are signed, their MAC ({@link RecordSigning}).
 */
public final class RecordSender {

    private final Emitter<byte[]> emitter;
    /** The topic records go to unless one is named: the channel's own. */
    private final String topic;
    private final String sender;
    private final Sequences sequences;
    private final Clock clock;
    private final ProtocolVersion protocol;
    private final RecordSigning signing;

    public RecordSender(Emitter<byte[]> emitter, String topic, String sender, Sequences sequences, Clock clock,
            ProtocolVersion protocol, RecordSigning signing) {
        this.emitter = emitter;
        this.topic = topic;
        this.sender = sender;
        this.sequences = sequences;
        this.clock = clock;
        this.protocol = protocol;
        this.signing = signing;
    }

    /**
     * A sender for this node on a channel whose topic is {@code topic}, numbering its records with
     * the node's {@code sequences} and writing them in the node's protocol, signed when the node
     * signs records.
     */
    public static RecordSender of(Emitter<byte[]> emitter, String topic, io.stampede.node.config.NodeIdentity identity,
            NodeProtocol protocol, Sequences sequences, Clock clock, RecordSigning signing) {
        return new RecordSender(emitter, topic, identity.id(), sequences, clock, protocol.version(), signing);
    }

    /** Sends a record about {@code job} under {@code fence}. */
    public CompletionStage<Void> send(JobId job, long fence, Payload payload) {
        return sendTo(null, Subject.job(job), fence, payload);
    }

    /** As {@link #send}, to {@code topic} instead of the channel's own. */
    public CompletionStage<Void> sendTo(String topic, JobId job, long fence, Payload payload) {
        return sendTo(topic, Subject.job(job), fence, payload);
    }

    /** Sends a record about a node or a datacenter (heartbeats, status) under {@code fence}. */
    public CompletionStage<Void> send(Subject subject, long fence, Payload payload) {
        return sendTo(null, subject, fence, payload);
    }

    private CompletionStage<Void> sendTo(String topic, Subject subject, long fence, Payload payload) {
        CompletableFuture<Void> sent = new CompletableFuture<>();
        // Numbering and handing over happen together: records leave in the order of their numbers
        // even when several threads send (a worker's shares run on several event loops), so a
        // receiver never takes a later record for a newer one and drops the earlier as a duplicate.
        synchronized (sequences) {
            Envelope envelope = Envelope.of(subject, sender, fence, sequences.next(), clock.millis(), payload, protocol);
            emitter.send(message(topic == null ? this.topic : topic, subject, envelope, sent));
        }
        return sent;
    }

    private Message<byte[]> message(String topic, Subject subject, Envelope envelope, CompletableFuture<Void> sent) {
        byte[] value = RecordCodec.encode(envelope);
        RecordHeaders headers = new RecordHeaders();
        RecordCodec.headers(envelope).forEach((name, text) -> headers.add(name, text.getBytes(StandardCharsets.UTF_8)));
        signing.headers(topic, subject.key(), value).forEach(headers::add);
        var builder = OutgoingKafkaRecordMetadata.<String>builder().withKey(subject.key()).withHeaders(headers)
                .withTopic(topic);
        return Message.of(value)
                .addMetadata(builder.build())
                .withAck(() -> {
                    sent.complete(null);
                    return CompletableFuture.completedFuture(null);
                })
                .withNack(failure -> {
                    sent.completeExceptionally(failure);
                    return CompletableFuture.completedFuture(null);
                });
    }
}
