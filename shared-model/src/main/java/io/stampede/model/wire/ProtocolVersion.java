package io.stampede.model.wire;

/**
 * The version of Stampede's record protocol, MAJOR.MINOR. Readers refuse another MAJOR and ignore
 * fields they do not know, so a MINOR step may add fields but never change or remove one.
 */
public record ProtocolVersion(int major, int minor) {

    /**
     * What this build writes. 2.0: the envelope names its subject ({@code subject}) instead of
     * putting a worker id or a datacenter name in {@code jobId}, and statuses are closed sets.
     * 3.0: {@code datacenter.progress} carries per-second windows per workflow, step windows count
     * requests never sent apart ({@code notSent}), results may declare {@code unaccounted}, and a
     * datacenter's status may be {@code LOST}.
     * 3.1: heartbeats carry the worker's start ({@code startedAtMillis}) and dispatches the start of
     * the worker process they are for ({@code workerStartedAtMillis}).
     * 4.0: a job may end {@code PARTIAL}, a status readers of 3.x do not know.
     * 4.3: heartbeats and datacenter status records carry the sender's {@link Capabilities}.
     * 4.4: a finished job's results ({@code job.archived}) on {@code stampede.jobs.results}.
     * 4.5: every manager states its Raft term to its workers and the gates ({@code datacenter.term}).
     * 4.6: every gate states a job's ownership generation to its datacenters when the job moves
     * ({@code job.ownership}), and a job's submission names the gates' group size ({@code gates}).
     */
    public static final ProtocolVersion CURRENT = new ProtocolVersion(4, 6);

    /**
     * Parses {@code MAJOR.MINOR}.
     *
     * @throws IllegalArgumentException when it is not that
     */
    public static ProtocolVersion parse(String text) {
        String[] parts = text == null ? new String[0] : text.split("\\.");
        try {
            if (parts.length == 2) {
                return new ProtocolVersion(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
            }
        } catch (NumberFormatException e) {
            // Reported below.
        }
        throw new IllegalArgumentException("'" + text + "' is not a protocol version MAJOR.MINOR");
    }

    /** Whether a reader of this version can read records of {@code other}. */
    public boolean reads(ProtocolVersion other) {
        return major == other.major;
    }

    /** Whether this version comes before {@code other}: an earlier MAJOR, or an earlier MINOR of the same. */
    public boolean before(ProtocolVersion other) {
        return major < other.major || major == other.major && minor < other.minor;
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
