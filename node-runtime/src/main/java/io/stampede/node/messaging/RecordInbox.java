package io.stampede.node.messaging;

import java.util.Optional;

import jakarta.inject.Singleton;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.stampede.model.security.RecordSigning;
import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.ProtocolVersion;
import io.stampede.model.wire.RecordCodec;
import io.stampede.model.wire.ReplayFilter;
import io.stampede.node.protocol.NodeProtocol;
import io.stampede.node.protocol.PeerProtocols;

/**
 * Where every consumed record comes in. Records that cannot be read, records that are read but
 * cannot be applied, and records that are stale or replayed are counted
 * ({@code stampede_records_rejected_total}, {@code stampede_records_dropped_total}, tagged with
 * topic and reason), logged once with where they are, and skipped: they never stop a consumer or
 * block a partition. Rejected ones are also copied to the dead-letter topic when that is on
 * ({@link DeadLetters}). When the cluster signs its records ({@link RecordSigning}), a record
 * without a valid MAC, or, with role signatures, without a valid signature of a role that writes
 * its topic, is rejected before anything reads it: {@code UNSIGNED}, {@code FORGED} or
 * {@code WRONG_ROLE}; and one signed by a node's own certified key in another node's name,
 * {@code UNKNOWN_SENDER}.
 */
@Singleton
public class RecordInbox {

    private static final Logger LOG = Logger.getLogger(RecordInbox.class);
    /** The rejection reason of a record that was read but could not be applied. */
    public static final String UNAPPLICABLE = "UNAPPLICABLE";

    private final MeterRegistry registry;
    private final DeadLetters deadLetters;
    private final ProtocolVersion reader;
    private final NodeProtocol protocol;
    private final PeerProtocols peers;
    private final RecordSigning signing;

    public RecordInbox(MeterRegistry registry, DeadLetters deadLetters, NodeProtocol protocol, PeerProtocols peers,
            RecordSigning signing) {
        this.registry = registry;
        this.deadLetters = deadLetters;
        this.reader = protocol.version();
        this.protocol = protocol;
        this.peers = peers;
        this.signing = signing;
    }

    /** Where a consumed record is, for counts and logs. */
    public record Source(String topic, int partition, long offset) {

        public static Source of(ConsumerRecord<?, ?> record) {
            return new Source(record.topic(), record.partition(), record.offset());
        }

        @Override
        public String toString() {
            return topic + "/" + partition + "@" + offset;
        }
    }

    /** The record, or empty (counted and logged) when it cannot be read. */
    public Optional<Envelope> open(Source source, byte[] value) {
        RecordCodec.Decoded decoded = RecordCodec.decode(value, reader);
        if (decoded instanceof RecordCodec.Accepted accepted) {
            peers.heard(accepted.envelope().sender(), accepted.envelope().protocol());
            return Optional.of(accepted.envelope());
        }
        RecordCodec.Rejected rejected = (RecordCodec.Rejected) decoded;
        rejected(source.topic(), rejected.reason().name());
        if (rejected.reason() == RecordCodec.Rejection.INCOMPATIBLE_VERSION && rejected.protocol() != null) {
            // A peer of another MAJOR sends every few seconds: PeerProtocols logs it once.
            peers.refused(rejected.sender(), rejected.protocol(), source.topic());
            LOG.debugf("skipped the record at %s: %s (%s)", source, rejected.reason(), rejected.detail());
        } else {
            LOG.warnf("skipped the record at %s: %s (%s): %s", source, rejected.reason(), rejected.detail(),
                    RecordCodec.preview(value));
        }
        deadLetters.copy(source, value, rejected.reason().name());
        return Optional.empty();
    }

    /**
     * Reads a record as {@link #open} does, for a consumer that looks at one kind of record only
     * and leaves every other, readable or not, to a channel that counts it: nothing is counted here.
     */
    public Optional<Envelope> peek(byte[] value) {
        return RecordCodec.decode(value, reader) instanceof RecordCodec.Accepted accepted
                ? Optional.of(accepted.envelope()) : Optional.empty();
    }

    /**
     * Whether every node this node reads records from has {@code capability}, as its
     * {@code stampede.protocol.minimum} says every node of the cluster speaks it.
     */
    public boolean guaranteed(String capability) {
        return protocol.guaranteed().contains(capability);
    }

    /**
     * Hands a consumed record to {@code application}, once its MAC is checked when records are
     * signed. Whatever it throws is counted as {@value #UNAPPLICABLE}, logged with where the record
     * is, and goes no further: the consumer carries on with the next record.
     */
    public void apply(ConsumerRecord<String, byte[]> record, Runnable application) {
        Optional<RecordSigning.Refusal> refusal = refusal(record);
        if (refusal.isPresent()) {
            rejected(record.topic(), refusal.get().name());
            LOG.warnf("skipped the record at %s: %s (%s): %s", Source.of(record), refusal.get(), why(refusal.get()),
                    RecordCodec.preview(record.value()));
            deadLetters.copy(Source.of(record), record.value(), refusal.get().name());
            return;
        }
        run(record, application);
    }

    /**
     * As {@link #apply}, for a second reader of a topic whose first reader counts and logs what it
     * refuses: a record without a valid MAC is skipped here without being counted again.
     */
    public void applyAlso(ConsumerRecord<String, byte[]> record, Runnable application) {
        if (refusal(record).isEmpty()) {
            run(record, application);
        }
    }

    /**
     * Whether a record carries the MAC of a key this node accepts (always, when records are not
     * signed), for a reader that fetches one record it has already judged once; nothing is counted.
     */
    public boolean signed(ConsumerRecord<String, byte[]> record) {
        return refusal(record).isEmpty();
    }

    private Optional<RecordSigning.Refusal> refusal(ConsumerRecord<String, byte[]> record) {
        if (!signing.on()) {
            return Optional.empty();
        }
        return signing.check(record.topic(), record.key(), record.value(), name -> {
            Header header = record.headers().lastHeader(name);
            return header == null ? null : header.value();
        });
    }

    /** What a refusal means, for the log. */
    private static String why(RecordSigning.Refusal refusal) {
        switch (refusal) {
            case WRONG_ROLE:
                return "it is not signed by a role that writes this topic, stampede.security.record-role-public-keys";
            case FORGED:
                return "its MAC or its role signature is not one of a key this node accepts";
            case UNKNOWN_SENDER:
                return "it is signed by a node's own key, certified by its role, and names another sender";
            case OTHER_DATACENTER:
                return "it is signed by a node's own key, whose certificate names another datacenter than the one"
                        + " the record speaks for";
            case UNCERTIFIED:
                return "it carries no node certificate, or a manager's or worker's naming no datacenter, and"
                        + " stampede.security.record-require-node-certificate is on";
            default:
                return "it carries no MAC of a record key this node accepts (stampede.security.record-key), or, with"
                        + " role signatures, no role signature (stampede.security.record-role-key)";
        }
    }

    /**
     * Refuses a record read and judged earlier, for a reader that held it before deciding (a
     * worker holding a leader's record until its fence is verified): counted as {@code reason},
     * logged with where it is and {@code why}, copied to the dead-letter topic when that is on.
     */
    public void refuse(Source source, byte[] value, String reason, String why) {
        rejected(source.topic(), reason);
        LOG.warnf("skipped the record at %s: %s (%s): %s", source, reason, why, RecordCodec.preview(value));
        deadLetters.copy(source, value, reason);
    }

    private void run(ConsumerRecord<String, byte[]> record, Runnable application) {
        try {
            application.run();
        } catch (RuntimeException e) {
            rejected(record.topic(), UNAPPLICABLE);
            LOG.warnf(e, "skipped the record at %s: it could not be applied: %s", Source.of(record),
                    RecordCodec.preview(record.value()));
            deadLetters.copy(Source.of(record), record.value(), UNAPPLICABLE);
        }
    }

    private void rejected(String topic, String reason) {
        registry.counter("stampede.records.rejected", "topic", topic, "reason", reason).increment();
    }

    /** Counts a readable record that a {@link ReplayFilter} turned away. */
    public void dropped(String topic, Envelope envelope, ReplayFilter.Verdict verdict) {
        registry.counter("stampede.records.dropped", "topic", topic, "reason", verdict.name()).increment();
        LOG.debugf("dropped %s %s from %s about %s (fence %d, sequence %d)", verdict, envelope.type().wireName(),
                envelope.sender(), envelope.subject().wire(), envelope.fence(), envelope.sequence());
    }
}
