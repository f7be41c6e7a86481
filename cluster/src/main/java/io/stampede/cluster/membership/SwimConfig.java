package io.stampede.cluster.membership;

import io.stampede.model.NodeRole;
import java.time.Duration;

/**
 * The membership protocol's parameters. {@link #defaults()} suits a datacenter network; each value
 * carries its reason below.
 *
 * @param probeInterval        one probe per interval (1 s: SWIM's period; detection time and
 *                             traffic both scale with it), stretched by the local health multiplier
 * @param probeTimeout         the base wait for a direct ack before asking others (300 ms: far above
 *                             datacenter round trips, leaving room for indirect probes in the
 *                             period); adapted per peer by its coordinate and the local health
 * @param indirectChecks       members asked to probe on our behalf, k (3, as in SWIM and memberlist)
 * @param retransmitMultiplier λ: each claim is piggybacked λ·⌈log10(n+1)⌉ times (3)
 * @param suspicionFloor       a suspicion's shortest timeout, once confirmed by others (1.5 s)
 * @param suspicionCeiling     a suspicion's timeout with no confirmation (8 s)
 * @param syncInterval         how often a full-state exchange runs with one member, and with one
 *                             dead member to heal partitions (10 s)
 * @param deadRetention        how long DEAD and LEFT members are remembered before being reaped,
 *                             so that late gossip cannot resurrect them (1 h)
 * @param lifeguard            Lifeguard's local health, nacks and dynamic suspicion; off gives
 *                             plain SWIM with a fixed suspicion timeout of {@code suspicionFloor}
 * @param maxDatagram          the largest datagram sent, in bytes (1400: under a 1500-byte MTU)
 */
public record SwimConfig(Duration probeInterval, Duration probeTimeout, int indirectChecks,
        int retransmitMultiplier, Duration suspicionFloor, Duration suspicionCeiling, Duration syncInterval,
        Duration deadRetention, boolean lifeguard, int maxDatagram) {

    /**
     * Bytes kept free in every datagram for the framing: magic, version, cluster id (≤ 64 bytes), flags,
     * stamp and nonce (16) and MAC (32): 117 at most.
     */
    public static final int FRAME_RESERVE = 128;

    public SwimConfig {
        if (probeInterval.isNegative() || probeInterval.isZero()) {
            throw new IllegalArgumentException("probeInterval must be positive");
        }
        if (suspicionFloor.compareTo(suspicionCeiling) > 0) {
            throw new IllegalArgumentException("suspicionFloor must not exceed suspicionCeiling");
        }
        if (maxDatagram < 512 || maxDatagram > 65_000) {
            throw new IllegalArgumentException("maxDatagram must be within 512..65000");
        }
    }

    public static SwimConfig defaults() {
        return new SwimConfig(Duration.ofSeconds(1), Duration.ofMillis(300), 3, 3, Suspicion.FLOOR,
                Suspicion.CEILING, Duration.ofSeconds(10), Duration.ofHours(1), true, 1400);
    }

    public SwimConfig withLifeguard(boolean on) {
        return new SwimConfig(probeInterval, probeTimeout, indirectChecks, retransmitMultiplier, suspicionFloor,
                suspicionCeiling, syncInterval, deadRetention, on, maxDatagram);
    }

    public SwimConfig withProbeInterval(Duration interval, Duration timeout) {
        return new SwimConfig(interval, timeout, indirectChecks, retransmitMultiplier, suspicionFloor,
                suspicionCeiling, syncInterval, deadRetention, lifeguard, maxDatagram);
    }

    public SwimConfig withSuspicion(Duration floor, Duration ceiling) {
        return new SwimConfig(probeInterval, probeTimeout, indirectChecks, retransmitMultiplier, floor, ceiling,
                syncInterval, deadRetention, lifeguard, maxDatagram);
    }

    /**
     * How long a member of {@code role} may stay UNCONFIRMED before it is removed (not declared
     * DEAD: it was never seen alive). Gates 120 s, managers 90 s, workers 180 s.
     */
    public static Duration unconfirmedTimeout(NodeRole role) {
        return switch (role) {
            case GATE -> Duration.ofSeconds(120);
            case MANAGER -> Duration.ofSeconds(90);
            case WORKER -> Duration.ofSeconds(180);
        };
    }

    /**
     * Probes a node of role {@code local} spends on an UNCONFIRMED member of role {@code member}
     * before waiting for it to make contact: 5 for a gate, 3 for a manager. Workers are waited
     * for passively by gates and managers (a worker joins through a manager and reaches out
     * itself); workers reach each other with 3 probes, since nobody else would confirm them.
     */
    public static int proactiveProbes(NodeRole local, NodeRole member) {
        return switch (member) {
            case GATE -> 5;
            case MANAGER -> 3;
            case WORKER -> local == NodeRole.WORKER ? 3 : 0;
        };
    }
}
