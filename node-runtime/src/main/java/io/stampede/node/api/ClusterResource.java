package io.stampede.node.api;

import io.stampede.cluster.membership.MemberView;
import io.stampede.cluster.transport.DropReason;
import io.stampede.cluster.transport.UdpMembership;
import io.stampede.node.membership.NodeMembership;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code GET /api/v1/cluster}: the membership cluster as this node sees it. */
@RolesAllowed("read")
@Path("/api/v1/cluster")
public class ClusterResource {

    private final NodeMembership membership;

    public ClusterResource(NodeMembership membership) {
        this.membership = membership;
    }

    /** One member as this node sees it. {@code estimatedRttMillis} is null until coordinates know it. */
    public record Member(String id, String address, String role, String datacenter, String state, long incarnation,
            Double estimatedRttMillis) {

        static Member of(MemberView view) {
            return new Member(view.id(), view.address().toString(), view.role().label(),
                    view.datacenter().isEmpty() ? null : view.datacenter(), view.state().name().toLowerCase(Locale.ROOT),
                    view.incarnation(), view.estimatedRttMillis());
        }
    }

    /** What {@code GET /api/v1/cluster} answers: this node first among the members. */
    public record ClusterView(String cluster, String self, long incarnation, int localHealth, List<Member> members,
            Map<String, Long> droppedDatagrams) {
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public ClusterView cluster() {
        UdpMembership running = membership.membership();
        Map<String, Long> dropped = new LinkedHashMap<>();
        for (DropReason reason : DropReason.values()) {
            dropped.put(reason.label(), running.dropped(reason));
        }
        return new ClusterView(membership.clusterId(), running.self().id(), running.incarnation(),
                running.localHealth(), running.members().stream().map(Member::of).toList(), dropped);
    }
}
