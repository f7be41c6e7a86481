package io.stampede.node.api;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import io.stampede.cluster.overload.OverloadDetector;
import io.stampede.model.Stampede;
import io.stampede.model.load.LoadState;
import io.stampede.node.config.NodeIdentity;
import io.stampede.node.config.NodeSettings;
import io.stampede.node.load.NodeLoad;
import io.stampede.node.membership.NodeMembership;
import io.stampede.node.protocol.PeerProtocols;

/** {@code GET /api/v1/node}: who this node is and where it listens. */
@RolesAllowed("read")
@Path("/api/v1/node")
public class NodeResource {

    private final NodeIdentity identity;
    private final Clock clock;
    private final NodeMembership membership;
    private final NodeLoad load;
    private final PeerProtocols protocols;

    public NodeResource(NodeIdentity identity, Clock clock, NodeMembership membership, NodeLoad load,
            PeerProtocols protocols) {
        this.identity = identity;
        this.clock = clock;
        this.membership = membership;
        this.load = load;
        this.protocols = protocols;
    }

    /**
     * What {@code GET /api/v1/node} answers. {@code protocol}: the record protocol this node speaks,
     * its capabilities, and every peer it has heard from with theirs, refused peers (another MAJOR)
     * marked.
     */
    public record NodeView(String id, String role, String datacenter, String version, Instant startedAt,
            String uptime, long uptimeSeconds, long pid, Ports ports, String kafkaBootstrapServers,
            List<String> seeds, Load load, PeerProtocols.View protocol) {
    }

    /**
     * The node's load state and what it was judged from: each signal's state, the median latency
     * of its critical work over the last 10 readings against its baseline (ms), and its CPU and
     * heap as fractions.
     */
    public record Load(LoadState state, LoadState latencyRise, LoadState latency, LoadState resources,
            double latencyMillis, double baselineMillis, Double cpu, Double heap) {
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
                settings.kafkaBootstrapServers(), settings.seeds(), load(), protocols.view());
    }

    private Load load() {
        OverloadDetector.Signals signals = load.signals();
        return new Load(load.state(), signals.delta(), signals.latency(), signals.resources(),
                round(signals.recentMillis()), round(signals.baselineMillis()), fraction(signals.cpu()),
                fraction(signals.memory()));
    }

    private static double round(double millis) {
        return Math.round(millis * 100) / 100.0;
    }

    private static Double fraction(double value) {
        return Double.isNaN(value) ? null : Math.round(value * 1000) / 1000.0;
    }
}
