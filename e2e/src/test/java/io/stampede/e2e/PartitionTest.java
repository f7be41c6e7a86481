package io.stampede.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.stampede.local.FreePorts;
import io.stampede.local.Processes;
import io.stampede.model.JobId;
import io.stampede.model.Topics;
import io.stampede.model.job.JobSpecParser;
import io.stampede.model.job.LoadShare;
import io.stampede.model.lifecycle.DatacenterJobStatus;
import io.stampede.model.security.KafkaSecurity;
import io.stampede.model.security.RecordSigning;
import io.stampede.model.stats.StepWindow;
import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.Payload;
import io.stampede.model.wire.Subject;
import io.stampede.testkit.KafkaProbe;
import io.stampede.testkit.SharedKafka;
import io.stampede.testkit.TargetServer;
import io.stampede.testkit.TcpRelay;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A manager cut off from the others while it leads: three managers of datacenter dc1 whose Raft
 * traffic runs through relays, one per direction of each link, so that cutting a manager's relays
 * partitions it from the group while it still reaches Kafka and its workers. The majority must
 * carry on and the cut-off manager must stop dispatching.
 */
class PartitionTest {

    /** The nodes sign their records with it (in their environment), and so does the test's own writer. */
    private static final String RECORD_KEY = "partition-test-record-key-" + System.nanoTime();

    static final List<String> MANAGERS = List.of("part-m1", "part-m2", "part-m3");
    static final List<Process> processes = new ArrayList<>();
    static final Map<String, String> urls = new LinkedHashMap<>();
    /** Relays by (from, to): a manager's Raft client reaches a peer through its own relay. */
    static final Map<String, TcpRelay> relays = new LinkedHashMap<>();
    static Path directory;
    static TargetServer target;
    static KafkaProbe kafka;
    static KafkaProbe.Watch dispatches;
    static KafkaProbe.Watch events;

    @BeforeAll
    static void startNodes() throws Exception {
        directory = Files.createTempDirectory("stampede-partition-");
        String bootstrap = SharedKafka.bootstrapServers();
        Map<String, Integer> grpc = new LinkedHashMap<>();
        Map<String, Integer> udp = new LinkedHashMap<>();
        for (String id : MANAGERS) {
            grpc.put(id, FreePorts.tcp());
            udp.put(id, FreePorts.udp());
        }
        for (String from : MANAGERS) {
            for (String to : MANAGERS) {
                if (!from.equals(to)) {
                    relays.put(from + ">" + to, TcpRelay.to(grpc.get(to)));
                }
            }
        }
        String seed = "127.0.0.1:" + udp.get(MANAGERS.get(0));
        for (String id : MANAGERS) {
            List<String> peers = new ArrayList<>();
            for (String other : MANAGERS) {
                int port = other.equals(id) ? grpc.get(id) : relays.get(id + ">" + other).port();
                peers.add(other + "@127.0.0.1:" + port);
            }
            List<String> options = new ArrayList<>(List.of("-Dstampede.ports.grpc=" + grpc.get(id),
                    "-Dstampede.ports.udp=" + udp.get(id),
                    "-Dstampede.leadership.peers=" + String.join(",", peers),
                    "-Dstampede.leadership.storage=" + directory.resolve("raft").resolve(id)));
            if (!id.equals(MANAGERS.get(0))) {
                options.add("-Dstampede.node.seeds=" + seed);
            }
            start("manager", id, bootstrap, options);
        }
        for (String id : List.of("part-w1", "part-w2")) {
            start("worker", id, bootstrap, List.of("-Dstampede.node.seeds=" + seed));
        }
        target = TargetServer.start();
        kafka = new KafkaProbe(bootstrap, KafkaSecurity.PLAINTEXT, RecordSigning.of(RECORD_KEY, Optional.empty()));
        dispatches = kafka.watch(Topics.dispatch("dc1"));
        events = kafka.watch(Topics.JOB_EVENTS);
        for (String url : urls.values()) {
            await().atMost(90, TimeUnit.SECONDS).until(() -> ready(url));
        }
    }

    private static void start(String service, String id, String bootstrap, List<String> options) throws IOException {
        int http = FreePorts.tcp();
        List<String> command = new ArrayList<>(List.of(Processes.javaExecutable(), "-Xmx384m",
                "-Dstampede.node.id=" + id, "-Dstampede.node.datacenter=dc1", "-Dstampede.ports.http=" + http,
                "-Dstampede.kafka.bootstrap-servers=" + bootstrap, "-Dstampede.membership.bind-host=127.0.0.1",
                "-Dquarkus.http.host=127.0.0.1", "-Dstampede.targets.allow-loopback=true", "-Dstampede.security.api-keys=" + io.stampede.model.security.ApiKeys.entry(
                        "e2e", java.util.Set.of(io.stampede.model.security.ApiKeys.Role.ADMIN), KeyedHttpClient.KEY)));
        command.addAll(options);
        command.addAll(List.of("-jar", Command.HOME.resolve(service + "/target/quarkus-app/quarkus-run.jar").toString()));
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                .redirectOutput(directory.resolve(id + ".log").toFile());
        builder.environment().put("STAMPEDE_SECURITY_RECORD_KEY", RECORD_KEY);
        processes.add(builder.start());
        urls.put(id, "http://127.0.0.1:" + http);
    }

    private static boolean ready(String url) {
        try {
            return Command.getJson(url + "/q/health/ready").path("status").asText().equals("UP");
        } catch (Exception e) {
            return false;
        }
    }

    @AfterAll
    static void stopNodes() {
        processes.forEach(process -> Processes.stop(process.toHandle(), Duration.ofSeconds(10)));
        relays.values().forEach(TcpRelay::close);
        if (kafka != null) {
            kafka.close();
        }
        if (target != null) {
            target.close();
        }
    }

    private static Optional<String> leader(List<String> among) {
        for (String id : among) {
            try {
                if (Command.getJson(urls.get(id) + "/api/v1/leadership").get("leading").asBoolean()) {
                    return Optional.of(id);
                }
            } catch (Exception e) {
                // Not answering: not the leader.
            }
        }
        return Optional.empty();
    }

    @Test
    void aLeaderCutOffFromTheOtherManagersStepsDownAndStopsDispatchingWhileTheMajorityCarriesOn()
            throws Exception {
        await().atMost(60, TimeUnit.SECONDS).until(() -> leader(MANAGERS).isPresent());
        String cutOff = leader(MANAGERS).orElseThrow();
        await().atMost(60, TimeUnit.SECONDS).until(() -> Command.getJson(urls.get(cutOff) + "/api/v1/workers")
                .get("workers").size() == 2);
        String spec = """
                name: partition
                workflows:
                  - name: steady
                    vus: 4
                    duration: 15s
                    steps: [{name: get, request: {url: "%s"}}]
                """.formatted(target.url("/delay/23"));
        Map<String, LoadShare> shares = new LinkedHashMap<>();
        JobSpecParser.parse(spec).workflows().forEach(workflow -> shares.put(workflow.name(), LoadShare.whole(workflow)));
        kafka.send(Topics.jobs("dc1"), Envelope.of(Subject.job(JobId.of("job-partition")), "gate-test", 1, 1, System.currentTimeMillis(),
                new Payload.JobSubmitted("dc1", spec, shares, 0)));
        await().atMost(30, TimeUnit.SECONDS).until(() -> target.requests("/delay/23") > 100);

        // Cut the leader's Raft links, both ways. It still reaches Kafka and its workers.
        relays.forEach((link, relay) -> {
            if (link.startsWith(cutOff + ">") || link.endsWith(">" + cutOff)) {
                relay.cut();
            }
        });
        long cut = System.nanoTime();
        List<String> majority = MANAGERS.stream().filter(id -> !id.equals(cutOff)).toList();
        await().atMost(10, TimeUnit.SECONDS).pollInterval(50, TimeUnit.MILLISECONDS)
                .until(() -> leader(majority).isPresent());
        double elected = (System.nanoTime() - cut) / 1e9;
        await().atMost(10, TimeUnit.SECONDS).pollInterval(50, TimeUnit.MILLISECONDS)
                .until(() -> !Command.getJson(urls.get(cutOff) + "/api/v1/leadership").get("leading").asBoolean());
        double steppedDown = (System.nanoTime() - cut) / 1e9;
        long stepDownMillis = System.currentTimeMillis();
        String newLeader = leader(majority).orElseThrow();

        await().atMost(60, TimeUnit.SECONDS).until(() -> events.about("job-partition").stream()
                .anyMatch(envelope -> envelope.payload() instanceof Payload.DatacenterFinished));
        Envelope result = events.about("job-partition").stream()
                .filter(envelope -> envelope.payload() instanceof Payload.DatacenterFinished).findFirst().orElseThrow();
        Payload.DatacenterFinished finished = (Payload.DatacenterFinished) result.payload();
        long reported = finished.totals().get("steady").steps().stream().mapToLong(StepWindow::requests).sum();
        long issuedByCutOffAfterStepDown = dispatches.about("job-partition").stream()
                .filter(envelope -> envelope.sender().equals(cutOff) && envelope.timestampMillis() > stepDownMillis)
                .count();
        System.out.printf("Partition: leader %s cut off from the other managers; %s leads after %.2f s; the cut-off"
                + " manager stepped down after %.2f s and issued %d dispatch records since; the job ended %s with"
                + " %d requests (the target counted %d)%n", cutOff, newLeader, elected, steppedDown,
                issuedByCutOffAfterStepDown, finished.status(), reported, target.requests("/delay/23"));

        assertThat(result.sender()).as("the result comes from the majority's leader").isEqualTo(newLeader);
        assertThat(issuedByCutOffAfterStepDown).isZero();
        assertThat(finished.status()).isEqualTo(DatacenterJobStatus.COMPLETED);
        assertThat(reported).isEqualTo(target.requests("/delay/23"));
        JsonNode cutOffView = Command.getJson(urls.get(cutOff) + "/api/v1/leadership");
        assertThat(cutOffView.get("leading").asBoolean()).isFalse();
    }
}
