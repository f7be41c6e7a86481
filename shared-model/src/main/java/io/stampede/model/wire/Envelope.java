package io.stampede.model.wire;

import io.stampede.model.JobId;

/**
 * A record as it travels on Kafka: what it is, what it is about, who sent it under which fence,
 * in which order, and the payload. The Kafka key is {@link Subject#key()}, so one job's records
 * stay in order on one partition.
 *
 * @param subject  a job for every job record; a node for heartbeats; a datacenter for its status
 * @param sender   the node id of the sender
 * @param fence    the sender's leadership term for this job or datacenter; 0 when the sender leads
 *                 nothing (workers). Receivers drop records whose fence is below the highest they
 *                 have seen for the subject from the record's authority ({@link Payload#fenceDomain()})
 * @param sequence increases with every record a sender's process sends, starting from a point
 *                 taken from the clock, so a node restarted under its id is still heard; receivers
 *                 drop records whose sequence is not newer than the last they applied from that
 *                 sender about the subject
 */
public record Envelope(RecordType type, Subject subject, String sender, long fence, long sequence,
        ProtocolVersion protocol, long timestampMillis, Payload payload) {

    public Envelope {
        if (subject.kind() != type.subjectKind()) {
            throw new IllegalArgumentException("a " + type.wireName() + " record is about a "
                    + type.subjectKind().prefix() + ", not " + subject.wire());
        }
    }

    /** A record of this build's protocol version, its type taken from the payload. */
    public static Envelope of(Subject subject, String sender, long fence, long sequence, long timestampMillis,
            Payload payload) {
        return of(subject, sender, fence, sequence, timestampMillis, payload, ProtocolVersion.CURRENT);
    }

    /** A record written in {@code protocol}, its type taken from the payload. */
    public static Envelope of(Subject subject, String sender, long fence, long sequence, long timestampMillis,
            Payload payload, ProtocolVersion protocol) {
        return new Envelope(RecordType.of(payload), subject, sender, fence, sequence, protocol, timestampMillis,
                payload);
    }

    /** Whether this record is about a job. */
    public boolean aboutJob() {
        return subject instanceof Subject.Job;
    }

    /**
     * The job this record is about.
     *
     * @throws IllegalStateException for a record about a node or a datacenter
     */
    public JobId jobId() {
        if (subject instanceof Subject.Job job) {
            return job.id();
        }
        throw new IllegalStateException("a " + type.wireName() + " record is not about a job");
    }
}
