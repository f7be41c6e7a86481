package io.stampede.cluster.membership;

/**
 * What this node believes about a member.
 *
 * <pre>
 * UNCONFIRMED ──direct two-way contact──▶ ALIVE ──missed probes──▶ SUSPECT ──timeout──▶ DEAD
 *      │                                   ▲                          │
 *      └──role's timeout: removed          └──────refuted (higher incarnation)
 * any ──graceful leave──▶ LEFT
 * </pre>
 *
 * An UNCONFIRMED member (known from seeds or gossip only) is never suspected: it was never seen
 * alive, so silence from it says nothing. The ranks order states at equal incarnation.
 */
public enum MemberState {
    UNCONFIRMED(0), ALIVE(1), SUSPECT(2), DEAD(3), LEFT(4);

    private final int rank;

    MemberState(int rank) {
        this.rank = rank;
    }

    /** Orders states at equal incarnation: a later rank overrides an earlier one. */
    int rank() {
        return rank;
    }
}
