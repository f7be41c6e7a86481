package io.stampede.model.wire;

import java.util.HashMap;
import java.util.Map;

/**
 * Decides whether a record about one subject (a job, a node, a datacenter) is new: consumers apply
 * only records that pass, which makes applying idempotent across redelivery, replay after a crash,
 * and records from a deposed leader. One per subject per consumer, kept with what the node knows
 * of the subject (a job's in its ledger entry), so it is released with it. Pure and not
 * thread-safe.
 */
public final class ReplayFilter {

    /** The verdict on one record. Rejections are metric tags, so the names are stable. */
    public enum Verdict {
        /** New: apply it. */
        ACCEPTED,
        /** Its fence is below the highest its authority has used for the subject: a deposed leader's record. */
        STALE_FENCE,
        /** Its sequence is not newer than the last applied from its sender about the subject. */
        DUPLICATE,
        /** It is about a job this node has finished and forgotten (a tombstone remains): redelivered or late. */
        ENDED_JOB,
        /**
         * New, but about something already given up or ended (a share re-run elsewhere after its
         * worker was lost, a datacenter given up as LOST, a job that has ended): logged and counted,
         * never merged. The filter itself never returns it; the node that holds the subject does.
         */
        LATE
    }

    /** By fence domain ({@link Payload#fenceDomain()}): the highest fence seen. */
    private final Map<String, Long> highestFence = new HashMap<>();
    /** By sender: the last sequence applied. */
    private final Map<String, Long> lastSequence = new HashMap<>();

    /** Judges a record and, when it is accepted, remembers it. */
    public Verdict offer(Envelope envelope) {
        String domain = envelope.payload().fenceDomain();
        long fence = domain.isEmpty() ? Long.MIN_VALUE : highestFence.getOrDefault(domain, Long.MIN_VALUE);
        if (envelope.fence() < fence) {
            return Verdict.STALE_FENCE;
        }
        long last = lastSequence.getOrDefault(envelope.sender(), Long.MIN_VALUE);
        if (envelope.sequence() <= last) {
            return Verdict.DUPLICATE;
        }
        if (!domain.isEmpty()) {
            highestFence.put(domain, envelope.fence());
        }
        lastSequence.put(envelope.sender(), envelope.sequence());
        return Verdict.ACCEPTED;
    }
}
