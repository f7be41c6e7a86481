package io.stampede.model.wire;

/**
 * A record as it travels on Kafka: what it is, which job, who sent it under which fence, in
 * which order, and the payload. The Kafka key is always {@link #jobId()} (a worker's id for
 * heartbeats), so one job's records stay in order on one partition.
 *
 * @param sender   the node id of the sender
 * @param fence    the sender's leadership term for this job or datacenter; 0 when the sender leads
 *                 nothing (workers). Receivers drop records whose fence is below the highest they
 *                 have seen for the job
 * @param sequence increases by one per record per sender per job, from 1; receivers drop records
 *                 whose sequence is not newer than the last they applied from that sender
 */
public record Envelope(RecordType type, String jobId, String sender, long fence, long sequence,
        ProtocolVersion protocol, long timestampMillis, Payload payload) {

    /** A record of this build's protocol version, its type taken from the payload. */
    public static Envelope of(String jobId, String sender, long fence, long sequence, long timestampMillis,
            Payload payload) {
        return new Envelope(RecordType.of(payload), jobId, sender, fence, sequence, ProtocolVersion.CURRENT,
                timestampMillis, payload);
    }
}
