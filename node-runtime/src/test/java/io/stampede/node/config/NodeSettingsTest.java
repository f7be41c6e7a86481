package io.stampede.node.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.stampede.model.NodeRole;

class NodeSettingsTest {

    private static NodeSettings worker() {
        return new NodeSettings(NodeRole.WORKER, Optional.of("worker-1"), Optional.of("dc1"), List.of("127.0.0.1:7946"),
                "127.0.0.1:9092,127.0.0.1:9093", 8280, 9280, 7946);
    }

    @Test
    void validSettingsHaveNoProblems() {
        assertThat(worker().problems()).isEmpty();
    }

    @Test
    void managersAndWorkersNeedADatacenterButGatesDoNot() {
        NodeSettings noDatacenter = new NodeSettings(NodeRole.MANAGER, Optional.empty(), Optional.empty(), List.of(),
                "localhost:9092", 8180, 0, 0);
        assertThat(noDatacenter.problems()).containsExactly(
                "stampede.node.datacenter: required for a manager"
                        + " (set -Dstampede.node.datacenter=<name> or STAMPEDE_NODE_DATACENTER)");

        NodeSettings gate = new NodeSettings(NodeRole.GATE, Optional.empty(), Optional.empty(), List.of(),
                "localhost:9092", 8080, 0, 0);
        assertThat(gate.problems()).isEmpty();
    }

    @Test
    void reportsEveryProblemAtOnceEachNamingItsKey() {
        NodeSettings bad = new NodeSettings(NodeRole.WORKER, Optional.of("has space"), Optional.of("DC 1"),
                List.of("seed-without-port"), "kafka:ninety", 70_000, 70_000, -1);

        assertThat(bad.problems()).containsExactly(
                "stampede.node.id: 'has space' is not a node id: use up to 64 letters, digits, '.', '-' and '_'",
                "stampede.node.datacenter: 'DC 1' is not a datacenter name: use 1 to 40 lower-case letters, digits"
                        + " and dashes, starting with a letter or digit",
                "stampede.node.seeds: 'seed-without-port' is not host:port",
                "stampede.kafka.bootstrap-servers: 'kafka:ninety' does not end in a port number",
                "stampede.ports.http: 70000 is not a port (0 to 65535)",
                "stampede.ports.grpc: 70000 is not a port (0 to 65535)",
                "stampede.ports.udp: -1 is not a port (0 to 65535)",
                "stampede.ports.grpc: 70000 is also the HTTP port");
    }

    @Test
    void anEmptyBootstrapListIsAProblem() {
        NodeSettings settings = new NodeSettings(NodeRole.GATE, Optional.empty(), Optional.empty(), List.of(), " ",
                8080, 0, 0);
        assertThat(settings.problems()).containsExactly(
                "stampede.kafka.bootstrap-servers: must name at least one host:port");
    }

    @Test
    void generatedIdsNameTheRoleAndDatacenter() {
        NodeSettings unnamed = new NodeSettings(NodeRole.WORKER, Optional.empty(), Optional.of("eu-1"), List.of(),
                "localhost:9092", 8280, 0, 0);
        String id = unnamed.resolveId(new Random(7));
        assertThat(id).matches("worker-eu-1-[0-9a-f]{6}");
        assertThat(io.stampede.model.NodeId.valid(id)).isTrue();
        assertThat(worker().resolveId(new Random(7))).isEqualTo("worker-1");
    }
}
