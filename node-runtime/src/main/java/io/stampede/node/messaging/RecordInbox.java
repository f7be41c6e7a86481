package io.stampede.node.messaging;

import java.util.Optional;

import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.RecordCodec;
import io.stampede.model.wire.ReplayFilter;

/**
 * Where every consumed record comes in. Records that cannot be read, and records that are stale
 * or replayed, are counted ({@code stampede_records_rejected_total},
 * {@code stampede_records_dropped_total}, tagged with topic and reason), logged, and skipped:
 * they never stop a consumer or block a partition.
 */
@Singleton
public class RecordInbox {

    private static final Logger LOG = Logger.getLogger(RecordInbox.class);

    private final MeterRegistry registry;

    public RecordInbox(MeterRegistry registry) {
        this.registry = registry;
    }

    /** The record, or empty (counted and logged) when it cannot be read. */
    public Optional<Envelope> open(String topic, byte[] value) {
        RecordCodec.Decoded decoded = RecordCodec.decode(value);
        if (decoded instanceof RecordCodec.Accepted accepted) {
            return Optional.of(accepted.envelope());
        }
        RecordCodec.Rejected rejected = (RecordCodec.Rejected) decoded;
        registry.counter("stampede.records.rejected", "topic", topic, "reason", rejected.reason().name()).increment();
        LOG.warnf("skipped a record on %s: %s (%s): %s", topic, rejected.reason(), rejected.detail(),
                RecordCodec.preview(value));
        return Optional.empty();
    }

    /** Counts a readable record that a {@link ReplayFilter} turned away. */
    public void dropped(String topic, Envelope envelope, ReplayFilter.Verdict verdict) {
        registry.counter("stampede.records.dropped", "topic", topic, "reason", verdict.name()).increment();
        LOG.debugf("dropped %s %s from %s about %s (fence %d, sequence %d)", verdict, envelope.type().wireName(),
                envelope.sender(), envelope.subject().wire(), envelope.fence(), envelope.sequence());
    }
}
