package io.stampede.cluster.leadership;

import io.stampede.cluster.membership.MemberState;
import io.stampede.cluster.net.HostPort;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keeps a Raft group in step with membership, as its leader sees both: a member that membership
 * has held DEAD or LEFT for longer than the grace period leaves the group, and a known member
 * (one of the configured founders) that is ALIVE again rejoins it. The leader itself is never
 * removed. Pure: it only says what to change.
 */
public final class GroupMaintenance {

    /** One change to make. */
    public sealed interface Change {
    }

    /** Remove a member gone for good. */
    public record Remove(String id) implements Change {
    }

    /** Add back a member that is alive again, at its Raft address. */
    public record Add(String id, HostPort address) implements Change {
    }

    private GroupMaintenance() {
    }

    /**
     * The changes due now.
     *
     * @param self        the leader's id
     * @param group       the group's current members
     * @param known       every member that may belong, with its Raft address (the founders)
     * @param states      membership's view: each member's state, and since when (epoch millis), by id
     * @param graceMillis how long a member must have been DEAD or LEFT before it is removed
     */
    public static List<Change> due(String self, Set<String> group, Map<String, HostPort> known,
            Map<String, StateSince> states, long nowMillis, long graceMillis) {
        List<Change> changes = new ArrayList<>();
        for (String member : new LinkedHashSet<>(group)) {
            StateSince state = states.get(member);
            if (!member.equals(self) && state != null
                    && (state.state() == MemberState.DEAD || state.state() == MemberState.LEFT)
                    && nowMillis - state.sinceMillis() >= graceMillis) {
                changes.add(new Remove(member));
            }
        }
        known.forEach((member, address) -> {
            StateSince state = states.get(member);
            if (!group.contains(member) && !member.equals(self) && state != null && state.state() == MemberState.ALIVE) {
                changes.add(new Add(member, address));
            }
        });
        return changes;
    }

    /** A member's state as membership reports it, and when it entered that state. */
    public record StateSince(MemberState state, long sinceMillis) {
    }
}
