package io.stampede.cluster.membership;

import io.stampede.cluster.net.HostPort;
import io.stampede.model.NodeRole;

/**
 * A member as this node sees it at one moment.
 *
 * @param estimatedRttMillis the round trip estimated from Vivaldi coordinates; null until known
 */
public record MemberView(String id, HostPort address, NodeRole role, String datacenter, MemberState state,
        long incarnation, Double estimatedRttMillis) {

    /** Whether the member counts as up: ALIVE or SUSPECT (a suspect may yet refute). */
    public boolean up() {
        return state == MemberState.ALIVE || state == MemberState.SUSPECT;
    }
}
