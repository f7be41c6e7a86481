package io.stampede.cluster.membership;

/**
 * Told of every change this node sees. Called on the protocol's own thread, so implementations
 * must be quick and hand work elsewhere. Changes can repeat across restarts of the listener's
 * node: handlers must be idempotent.
 */
public interface MembershipListener {

    /** A member appeared or changed state; {@code previous} is null for a new member. */
    void changed(MemberView member, MemberState previous);

    /** A member was forgotten: an UNCONFIRMED one timed out, or a DEAD or LEFT one was reaped. */
    default void removed(MemberView member) {
    }

    MembershipListener NONE = (member, previous) -> { };
}
