package io.stampede.node.api;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import io.stampede.model.Stampede;
import io.stampede.node.config.NodeIdentity;
import io.stampede.node.config.NodeSettings;
import io.stampede.node.membership.NodeMembership;

/** {@code GET /api/v1/node}: who this node is and where it listens. */
@Path("/api/v1/node")
public class NodeResource {

    private final NodeIdentity identity;
    private final Clock clock;
    private final NodeMembership membership;

    public NodeResource(NodeIdentity identity, Clock clock, NodeMembership membership) {
        this.identity = identity;
        this.clock = clock;
        this.membership = membership;
    }

    /** What {@code GET /api/v1/node} answers. */
    public record NodeView(String id, String role, String datacenter, String version, Instant startedAt,
            String uptime, long uptimeSeconds, long pid, Ports ports, String kafkaBootstrapServers,
            List<String> seeds) {
    }

    /** The node's ports (the membership port as bound); 0 means the node does not listen on that protocol yet. */
    public record Ports(int http, int grpc, int udp) {
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public NodeView node() {
        NodeSettings settings = identity.settings();
        Duration uptime = Duration.between(identity.startedAt(), clock.instant());
        return new NodeView(identity.id(), identity.role().label(), identity.datacenter().orElse(null),
                Stampede.VERSION, identity.startedAt(), uptime.toString(), uptime.toSeconds(),
                ProcessHandle.current().pid(),
                new Ports(settings.httpPort(), settings.grpcPort(), membership.membership().self().address().port()),
                settings.kafkaBootstrapServers(), settings.seeds());
    }
}
