package io.stampede.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.stampede.local.FreePorts;
import io.stampede.local.Processes;
import io.stampede.model.wire.ProtocolVersion;
import io.stampede.testkit.TargetServer;

/**
 * Version skew during a rolling upgrade, on a local cluster of one datacenter (one manager, one
 * worker): while a job runs, a worker claiming a newer MINOR with a capability this build does not
 * know joins, another claiming the next MAJOR joins, and the manager is restarted into the newer
 * MINOR. The newer worker takes part in the next job (its capability shown, never used), the other
 * MAJOR is refused and both sides show it, and both jobs' counts are exact.
 */
class VersionSkewTest {

    private static final String NEWER = ProtocolVersion.CURRENT.major() + "." + (ProtocolVersion.CURRENT.minor() + 1);
    private static final String NEXT_MAJOR = (ProtocolVersion.CURRENT.major() + 1) + ".0";

    static Path directory;
    static TargetServer target;
    static String gateUrl;
    static String managerUrl;
    static final List<Process> started = new ArrayList<>();

    @BeforeAll
    static void startCluster() throws Exception {
        directory = Files.createTempDirectory("stampede-skew-");
        Command.Result up = Command.stampede(directory, Duration.ofMinutes(3), "local", "up",
                "--datacenters", "1", "--workers-per-dc", "1");
        assertThat(up.exitCode()).as(up.toString()).isZero();
        gateUrl = "http://127.0.0.1:" + Command.node(directory, "gate-1").get("httpPort").asInt();
        managerUrl = "http://127.0.0.1:" + Command.node(directory, "manager-dc1-1").get("httpPort").asInt();
        target = TargetServer.start();
    }

    @AfterAll
    static void stopCluster() {
        started.forEach(process -> Processes.stop(process.toHandle(), Duration.ofSeconds(5)));
        Command.stopCluster(directory, target);
    }

    /**
     * Starts {@code like}'s command again with another id (unless {@code id} is null: the same
     * node, restarted), new HTTP and UDP ports, and the given protocol settings. The command keeps
     * the cluster's marker, so {@code local down} stops it too.
     */
    private static Process start(String like, String id, String protocol, String extraCapability) throws Exception {
        JsonNode node = Command.node(directory, like);
        List<String> command = new ArrayList<>();
        for (JsonNode argument : node.get("command")) {
            String text = argument.asText();
            if (id != null && text.startsWith("-Dstampede.node.id=")) {
                text = "-Dstampede.node.id=" + id;
            } else if (id != null && text.startsWith("-Dstampede.ports.http=")) {
                text = "-Dstampede.ports.http=" + FreePorts.tcp();
            } else if (id != null && text.startsWith("-Dstampede.ports.udp=")) {
                text = "-Dstampede.ports.udp=" + FreePorts.udp();
            } else if (text.equals("-jar")) {
                command.add("-Dstampede.protocol.version=" + protocol);
                if (extraCapability != null) {
                    command.add("-Dstampede.protocol.extra-capabilities=" + extraCapability);
                }
            }
            command.add(text);
        }
        String name = id == null ? like : id;
        File log = directory.resolve(name + "-" + protocol + ".log").toFile();
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log));
        builder.environment().putAll(io.stampede.cli.local.LocalCluster.nodeEnvironment(directory.resolve(".stampede/local"),
                io.stampede.model.NodeRole.ofLabel(node.get("role").asText()).orElseThrow(), name,
                node.hasNonNull("datacenter") ? node.get("datacenter").asText() : ""));
        Process process = builder.start();
        started.add(process);
        return process;
    }

    private static String url(Process process) {
        String port = process.info().arguments().map(List::of).orElseThrow().stream()
                .filter(argument -> argument.startsWith("-Dstampede.ports.http=")).findFirst().orElseThrow()
                .substring("-Dstampede.ports.http=".length());
        return "http://127.0.0.1:" + port;
    }

    private static JsonNode peer(String nodeUrl, String peer) throws Exception {
        JsonNode peers = Command.getJson(nodeUrl + "/api/v1/node").at("/protocol/peers");
        return StreamSupport.stream(peers.spliterator(), false).filter(known -> known.get("node").asText().equals(peer))
                .findFirst().orElse(null);
    }

    private static List<String> workers() throws Exception {
        return StreamSupport.stream(Command.getJson(managerUrl + "/api/v1/workers").get("workers").spliterator(), false)
                .map(worker -> worker.get("id").asText()).sorted().toList();
    }

    @Test
    void aNewerMinorTakesPartAnotherMajorIsRefusedAndJobsCountExactlyThroughAManagerUpgrade() throws Exception {
        String during = Command.submit(gateUrl, """
                name: through the upgrade
                workflows:
                  - name: steady
                    vus: 4
                    duration: 30s
                    steps: [{name: get, request: {url: "%s"}}]
                """.formatted(target.url("/delay/31")));
        await().atMost(30, TimeUnit.SECONDS).until(() -> target.requests("/delay/31") > 100);

        Process newer = start("worker-dc1-1", "worker-dc1-newer", NEWER, "x-shiny");
        Process refused = start("worker-dc1-1", "worker-dc1-next", NEXT_MAJOR, null);
        await().atMost(60, TimeUnit.SECONDS).ignoreExceptions()
                .until(() -> workers().equals(List.of("worker-dc1-1", "worker-dc1-newer")));
        // One step of a rolling upgrade: the datacenter's manager restarted into the newer MINOR,
        // with no seeds (as a StatefulSet's only manager would be): its workers find it again.
        long managerPid = Command.node(directory, "manager-dc1-1").at("/process/pid").asLong();
        Processes.stop(ProcessHandle.of(managerPid).orElseThrow(), Duration.ofSeconds(10));
        Process manager = start("manager-dc1-1", null, NEWER, null);
        await().atMost(60, TimeUnit.SECONDS).ignoreExceptions()
                .until(() -> workers().equals(List.of("worker-dc1-1", "worker-dc1-newer")));
        assertThat(manager.isAlive()).isTrue();
        assertThat(Command.getJson(managerUrl + "/api/v1/node").at("/protocol/version").asText()).isEqualTo(NEWER);

        // A job submitted once the gates see both is split over them, the newer one included.
        await().atMost(30, TimeUnit.SECONDS).ignoreExceptions().until(() -> StreamSupport.stream(
                Command.getJson(gateUrl + "/api/v1/datacenters").spliterator(), false)
                .anyMatch(dc -> dc.get("name").asText().equals("dc1") && dc.get("healthy").asBoolean()
                        && dc.get("healthyWorkers").asInt() == 2));
        String after = Command.submit(gateUrl, """
                name: after the upgrade
                workflows:
                  - name: burst
                    vus: 6
                    duration: 5s
                    steps: [{name: get, request: {url: "%s"}}]
                """.formatted(target.url("/delay/32")));

        JsonNode shiny = peer(managerUrl, "worker-dc1-newer");
        assertThat(shiny.get("protocol").asText()).isEqualTo(NEWER);
        assertThat(shiny.get("refused").asBoolean()).isFalse();
        assertThat(shiny.get("capabilities").toString()).contains("x-shiny", "probe");
        assertThat(shiny.get("negotiated").toString()).as("a capability only one side has is not used")
                .doesNotContain("x-shiny").contains("probe");
        await().atMost(30, TimeUnit.SECONDS).ignoreExceptions()
                .until(() -> peer(managerUrl, "worker-dc1-next").get("refused").asBoolean());
        assertThat(peer(managerUrl, "worker-dc1-next").get("protocol").asText()).isEqualTo(NEXT_MAJOR);
        assertThat(Command.getJson(managerUrl + "/api/v1/node").at("/protocol/refusedPeers").asInt()).isEqualTo(1);
        assertThat(Command.metric(managerUrl, "stampede_protocol_refused_records_total", "major=\"5\"")).isPositive();
        assertThat(Files.readString(directory.resolve("manager-dc1-1-" + NEWER + ".log")))
                .containsOnlyOnce("refusing the records of worker-dc1-next");

        for (String[] job : new String[][] {{during, "/delay/31"}, {after, "/delay/32"}}) {
            JsonNode ended = Command.ended(gateUrl, job[0], Duration.ofSeconds(90), directory);
            long reported = ended.at("/workflows/0/steps/0/requests").asLong();
            System.out.printf("Rolling upgrade: job %s ended %s with %d requests; the target counted %d; %s%n",
                    ended.get("name").asText(), ended.get("status").asText(), reported, target.requests(job[1]),
                    ended.at("/errors"));
            assertThat(ended.get("status").asText()).isEqualTo("COMPLETED");
            assertThat(reported).isPositive().isEqualTo(target.requests(job[1]));
            assertThat(ended.has("unaccounted")).as(ended.toString()).isFalse();
        }
        assertThat(Files.readString(directory.resolve("worker-dc1-newer-" + NEWER + ".log")))
                .as("the newer worker took part").contains("running share " + after + "/burst@worker-dc1-newer");
        assertThat(Files.readString(directory.resolve("worker-dc1-next-" + NEXT_MAJOR + ".log")))
                .as("the refused one did not").doesNotContain("running share");
        // The refused node sees the other side's records refused too, and says so.
        await().atMost(30, TimeUnit.SECONDS).ignoreExceptions()
                .until(() -> peer(url(refused), "manager-dc1-1").get("refused").asBoolean());
        assertThat(newer.isAlive()).isTrue();
    }

}
