package io.stampede.model.wire;

import java.util.HashMap;
import java.util.Map;

/**
 * Decides whether a record is new: consumers apply only records that pass, which makes applying
 * idempotent across redelivery, replay after a crash, and records from a deposed leader. Pure and
 * not thread-safe: one per consumer.
 */
public final class ReplayFilter {

    /** The verdict on one record. Rejections are metric tags, so the names are stable. */
    public enum Verdict {
        /** New: apply it. */
        ACCEPTED,
        /** Its fence is below the highest its authority has used for the job: a deposed leader's record. */
        STALE_FENCE,
        /** Its sequence is not newer than the last applied from its sender for the job. */
        DUPLICATE
    }

    private final Map<String, Long> highestFence = new HashMap<>();
    private final Map<String, Map<String, Long>> lastSequence = new HashMap<>();

    /** Judges a record and, when it is accepted, remembers it. */
    public Verdict offer(Envelope envelope) {
        String domain = envelope.payload().fenceDomain();
        String fenceKey = envelope.jobId() + "\n" + domain;
        long fence = domain.isEmpty() ? Long.MIN_VALUE : highestFence.getOrDefault(fenceKey, Long.MIN_VALUE);
        if (envelope.fence() < fence) {
            return Verdict.STALE_FENCE;
        }
        Map<String, Long> senders = lastSequence.computeIfAbsent(envelope.jobId(), key -> new HashMap<>());
        long last = senders.getOrDefault(envelope.sender(), 0L);
        if (envelope.sequence() <= last) {
            return Verdict.DUPLICATE;
        }
        if (!domain.isEmpty()) {
            highestFence.put(fenceKey, Math.max(fence, envelope.fence()));
        }
        senders.put(envelope.sender(), envelope.sequence());
        return Verdict.ACCEPTED;
    }

    /** Forgets a finished job, bounding memory. */
    public void forget(String jobId) {
        highestFence.keySet().removeIf(key -> key.startsWith(jobId + "\n"));
        lastSequence.remove(jobId);
    }

    /** Jobs remembered. */
    public int jobs() {
        return lastSequence.size();
    }
}
