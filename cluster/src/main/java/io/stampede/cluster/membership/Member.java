package io.stampede.cluster.membership;

import io.stampede.cluster.net.HostPort;
import io.stampede.model.NodeRole;
import java.util.Objects;

/**
 * Who a member is: its node id, where it listens for membership datagrams, its role and its
 * datacenter (empty for gates). The id is the member's name in the cluster; a restarted node
 * keeps its id and raises its incarnation.
 */
public record Member(String id, HostPort address, NodeRole role, String datacenter) {

    public Member {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(role, "role");
        datacenter = datacenter == null ? "" : datacenter;
        if (id.isEmpty()) {
            throw new IllegalArgumentException("a member needs an id");
        }
    }
}
