package io.stampede.node.config;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

import io.stampede.cluster.net.HostPort;
import io.stampede.model.DatacenterName;
import io.stampede.model.NodeRole;

/**
 * The settings of this node as configured, and the checks they must pass before the node starts.
 * Pure: no I/O, so every rule is unit-tested.
 */
public record NodeSettings(NodeRole role, Optional<String> id, Optional<String> datacenter, List<String> seeds,
        String kafkaBootstrapServers, int httpPort, int grpcPort, int udpPort) {


    public NodeSettings {
        seeds = List.copyOf(seeds);
    }

    /** Reads the mapped configuration. */
    public static NodeSettings of(NodeRole role, NodeConfig config) {
        return new NodeSettings(role, config.node().id(), config.node().datacenter(),
                config.node().seeds().orElse(List.of()), config.kafka().bootstrapServers(),
                config.ports().http(), config.ports().grpc(), config.ports().udp());
    }

    /**
     * Every problem with these settings, each as {@code key: what is wrong}; empty when the node may
     * start.
     */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        id.filter(value -> !io.stampede.model.NodeId.valid(value)).ifPresent(value -> problems.add(
                "stampede.node.id: '" + value + "' is not a node id: use up to 64 letters, digits, '.', '-' and '_'"));
        if (datacenter.isEmpty() && role != NodeRole.GATE) {
            problems.add("stampede.node.datacenter: required for a " + role.label()
                    + " (set -Dstampede.node.datacenter=<name> or STAMPEDE_NODE_DATACENTER)");
        }
        datacenter.flatMap(DatacenterName::problem)
                .ifPresent(problem -> problems.add("stampede.node.datacenter: " + problem));
        for (String seed : seeds) {
            addIfInvalid(problems, "stampede.node.seeds", seed);
        }
        if (kafkaBootstrapServers.isBlank()) {
            problems.add("stampede.kafka.bootstrap-servers: must name at least one host:port");
        } else {
            for (String server : kafkaBootstrapServers.split(",")) {
                addIfInvalid(problems, "stampede.kafka.bootstrap-servers", server);
            }
        }
        checkPort(problems, "stampede.ports.http", httpPort);
        checkPort(problems, "stampede.ports.grpc", grpcPort);
        checkPort(problems, "stampede.ports.udp", udpPort);
        if (grpcPort != 0 && grpcPort == httpPort) {
            problems.add("stampede.ports.grpc: " + grpcPort + " is also the HTTP port");
        }
        return problems;
    }

    /** The configured id, or one made of the role, the datacenter and six random hex digits. */
    public String resolveId(RandomGenerator random) {
        return id.orElseGet(() -> role.label() + datacenter.map(dc -> "-" + dc).orElse("") + "-"
                + HexFormat.of().toHexDigits(random.nextInt(1 << 24)).substring(2));
    }

    private static void addIfInvalid(List<String> problems, String key, String address) {
        try {
            HostPort.parse(address);
        } catch (IllegalArgumentException e) {
            problems.add(key + ": " + e.getMessage());
        }
    }

    private static void checkPort(List<String> problems, String key, int port) {
        if (port < 0 || port > 65_535) {
            problems.add(key + ": " + port + " is not a port (0 to 65535)");
        }
    }
}
