package io.stampede.cluster.membership;

/**
 * A claim about a member: its state at an incarnation. Only the member itself raises its
 * incarnation, to refute suspicion or to rejoin.
 */
public record MemberStatus(MemberState state, long incarnation) {

    public MemberStatus {
        if (incarnation < 0) {
            throw new IllegalArgumentException("incarnation cannot be negative: " + incarnation);
        }
    }

    /**
     * Whether {@code incoming} replaces {@code current}: a higher incarnation wins; at equal
     * incarnation the later state wins (LEFT over DEAD over SUSPECT over ALIVE over UNCONFIRMED).
     * A suspicion of a member never confirmed is ignored, and nothing but a higher incarnation
     * brings back a member that is DEAD or LEFT.
     */
    public static boolean supersedes(MemberStatus current, MemberStatus incoming) {
        if (incoming.state == MemberState.SUSPECT && current.state == MemberState.UNCONFIRMED) {
            return false;
        }
        if (incoming.incarnation != current.incarnation) {
            return incoming.incarnation > current.incarnation;
        }
        return incoming.state.rank() > current.state.rank();
    }
}
