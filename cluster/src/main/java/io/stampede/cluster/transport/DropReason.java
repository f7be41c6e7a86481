package io.stampede.cluster.transport;

import java.util.Locale;

/** Why a datagram was dropped rather than handled. Each is counted. */
public enum DropReason {
    /** Larger than the biggest datagram a member sends. */
    OVERSIZED,
    /** Not a Stampede membership datagram, cut short, or its body does not parse. */
    MALFORMED,
    /** A membership protocol version this node does not speak. */
    OTHER_VERSION,
    /** From another cluster (another datacenter's, or the gates'). */
    OTHER_CLUSTER,
    /** Unsigned, while this cluster requires signed datagrams. */
    UNSIGNED,
    /** Signed with another key, or altered on the way. */
    BAD_SIGNATURE,
    /**
     * Signed, but stamped outside the freshness window (a captured datagram replayed later, or a
     * sender whose clock is far off), or without a stamp at all.
     */
    STALE,
    /** Signed and fresh, but its nonce was seen already: a captured datagram replayed. */
    REPLAYED,
    /** Handling it failed unexpectedly; the loop carried on. */
    FAILED;

    /** The lower-case name used in metric tags. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
