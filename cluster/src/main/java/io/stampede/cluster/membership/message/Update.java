package io.stampede.cluster.membership.message;

import io.stampede.cluster.membership.Member;
import io.stampede.cluster.membership.MemberState;
import java.util.Objects;

/**
 * A claim about one member, as gossiped and exchanged in full-state syncs: the member, the state
 * the sender believes it is in, at which incarnation, and for a suspicion who suspects it (each
 * distinct suspecter is one Lifeguard confirmation). Claims never say UNCONFIRMED: that is a
 * receiver's own judgement of a member it has not heard from directly.
 */
public record Update(Member member, MemberState state, long incarnation, String from) {

    public Update {
        Objects.requireNonNull(member, "member");
        Objects.requireNonNull(state, "state");
        if (state == MemberState.UNCONFIRMED) {
            throw new IllegalArgumentException("a claim cannot say UNCONFIRMED");
        }
        if (incarnation < 0) {
            throw new IllegalArgumentException("incarnation cannot be negative");
        }
        from = from == null ? "" : from;
    }

    public static Update alive(Member member, long incarnation) {
        return new Update(member, MemberState.ALIVE, incarnation, "");
    }

    public String id() {
        return member.id();
    }
}
