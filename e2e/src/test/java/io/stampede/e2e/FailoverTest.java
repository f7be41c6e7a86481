package io.stampede.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stampede.local.Processes;
import io.stampede.model.JobId;
import io.stampede.model.Topics;
import io.stampede.model.lifecycle.DatacenterJobStatus;
import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.Payload;
import io.stampede.model.wire.Subject;
import io.stampede.testkit.KafkaProbe;
import io.stampede.testkit.TargetServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Leadership failover on a real local cluster: one datacenter with three managers (one Raft
 * group) and two workers. The datacenter's leader is paused with SIGSTOP, then killed with
 * SIGKILL, each in the middle of a job. The scenarios share the cluster and run in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FailoverTest {

    static Path directory;
    static TargetServer target;
    static String gateUrl;
    static String bootstrapServers;
    /** Manager id to its HTTP URL and pid. */
    static final Map<String, String> managerUrls = new LinkedHashMap<>();
    static final Map<String, Long> managerPids = new LinkedHashMap<>();
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void startCluster() throws Exception {
        directory = Files.createTempDirectory("stampede-failover-");
        Command.Result up = Command.stampede(directory, Duration.ofMinutes(3), "local", "up",
                "--datacenters", "1", "--managers-per-dc", "3", "--workers-per-dc", "2",
                // Remove a dead manager from the group soon, so the test can see it happen.
                "-D", "stampede.leadership.remove-dead-after=3s");
        assertThat(up.exitCode()).as(up.toString()).isZero();
        JsonNode state = JSON.readTree(directory.resolve(".stampede/local/cluster.json").toFile());
        for (JsonNode node : state.get("nodes")) {
            String id = node.get("id").asText();
            String url = "http://127.0.0.1:" + node.get("httpPort").asInt();
            if (node.get("role").asText().equals("manager")) {
                managerUrls.put(id, url);
                managerPids.put(id, node.at("/process/pid").asLong());
            } else if (node.get("role").asText().equals("gate")) {
                gateUrl = url;
            }
        }
        bootstrapServers = state.get("bootstrapServers").asText();
        target = TargetServer.start();
    }

    @AfterAll
    static void stopCluster() {
        Command.stopCluster(directory, target);
    }

    /** The manager that leads, as the managers still running say, with its fence. */
    private static Optional<Map.Entry<String, Long>> leader(List<String> among) {
        for (String id : among) {
            try {
                JsonNode leadership = Command.getJson(managerUrls.get(id) + "/api/v1/leadership");
                if (leadership.get("leading").asBoolean()) {
                    return Optional.of(Map.entry(id, leadership.get("fence").asLong()));
                }
            } catch (Exception e) {
                // Not answering (yet, or any more): not the leader.
            }
        }
        return Optional.empty();
    }

    /**
     * Submits a job, asking again while the gate answers 503 (the datacenter's manager judged
     * overloaded by a busy machine, as the CLI asks again), and expects it accepted.
     */
    private static String submit(String spec) throws Exception {
        return Command.submit(gateUrl, spec);
    }

    private static JsonNode awaitEnd(String id) {
        await().atMost(60, TimeUnit.SECONDS).until(() -> List.of("COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT")
                .contains(Command.getJson(gateUrl + "/api/v1/jobs/" + id).get("status").asText()));
        try {
            return Command.getJson(gateUrl + "/api/v1/jobs/" + id);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Records dropped as a deposed leader's, by the gate and both workers, from their metrics. */
    private static long staleRecordsDropped() throws Exception {
        long total = 0;
        JsonNode state = JSON.readTree(directory.resolve(".stampede/local/cluster.json").toFile());
        for (JsonNode node : state.get("nodes")) {
            if (node.get("role").asText().equals("manager")) {
                continue;
            }
            String metrics = Command.HTTP.send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + node.get("httpPort").asInt() + "/q/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            for (String line : metrics.split("\n")) {
                if (line.startsWith("stampede_records_dropped_total{") && line.contains("reason=\"STALE_FENCE\"")) {
                    total += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
        }
        return total;
    }

    @Test
    @Order(0)
    void theLeaderRestartedUnderItsIdMidJobRejoinsAndTheJobCountsExactly() throws Exception {
        List<String> managers = List.copyOf(managerUrls.keySet());
        await().atMost(60, TimeUnit.SECONDS).until(() -> leader(managers).isPresent());
        Map.Entry<String, Long> restarted = leader(managers).orElseThrow();
        await().atMost(60, TimeUnit.SECONDS).until(() -> Command.getJson(managerUrls.get(restarted.getKey())
                + "/api/v1/workers").get("workers").size() == 2);
        await().atMost(60, TimeUnit.SECONDS).until(() -> Command.getJson(gateUrl + "/api/v1/datacenters")
                .findValues("healthy").stream().anyMatch(JsonNode::asBoolean));
        String id = submit("""
                name: restart
                workflows:
                  - name: steady
                    vus: 4
                    duration: 20s
                    steps: [{name: get, request: {url: "%s"}}]
                """.formatted(target.url("/delay/25")));
        await().atMost(30, TimeUnit.SECONDS).until(() -> target.requests("/delay/25") > 100);

        Command.Result restart = Command.stampede(directory, Duration.ofMinutes(3), "local", "restart",
                restarted.getKey());

        assertThat(restart.exitCode()).as(restart.toString()).isZero();
        managerPids.put(restarted.getKey(), Command.node(directory, restarted.getKey()).at("/process/pid").asLong());
        JsonNode job = awaitEnd(id);
        Map.Entry<String, Long> now = leader(managers).orElseThrow();
        System.out.printf("Manager restart: leader %s (fence %d) restarted under its id mid-job; %s leads (fence %d);"
                + " the job ended %s with %d requests, the target counted %d%n", restarted.getKey(),
                restarted.getValue(), now.getKey(), now.getValue(), job.get("status").asText(),
                job.at("/workflows/0/steps/0/requests").asLong(), target.requests("/delay/25"));
        assertThat(now.getValue()).isGreaterThan(restarted.getValue());
        assertThat(job.get("status").asText()).isEqualTo("COMPLETED");
        assertThat(job.at("/workflows/0/steps/0/requests").asLong()).isEqualTo(target.requests("/delay/25"));
        // The restarted manager is a member of the group again: it follows (or leads) with the others.
        await().atMost(30, TimeUnit.SECONDS).until(() -> Command.getJson(managerUrls.get(restarted.getKey())
                + "/api/v1/leadership").path("leader").asText().equals(now.getKey()));
    }

    @Test
    @Order(1)
    void aPausedLeaderIsReplacedAndWhenItWakesItsRecordsAreDroppedAsStaleAndTheResultIsUnaffected()
            throws Exception {
        List<String> managers = List.copyOf(managerUrls.keySet());
        await().atMost(60, TimeUnit.SECONDS).until(() -> leader(managers).isPresent());
        Map.Entry<String, Long> paused = leader(managers).orElseThrow();
        await().atMost(60, TimeUnit.SECONDS).until(() -> Command.getJson(managerUrls.get(paused.getKey()) + "/api/v1/workers")
                .get("workers").size() == 2);
        await().atMost(60, TimeUnit.SECONDS).until(() -> Command.getJson(gateUrl + "/api/v1/datacenters")
                .findValues("healthy").stream().anyMatch(JsonNode::asBoolean));
        String id = submit("""
                name: pause
                workflows:
                  - name: steady
                    vus: 4
                    duration: 12s
                    steps: [{name: get, request: {url: "%s"}}]
                """.formatted(target.url("/delay/21")));
        await().atMost(30, TimeUnit.SECONDS).until(() -> target.requests("/delay/21") > 100);
        long staleBefore = staleRecordsDropped();

        long pid = managerPids.get(paused.getKey());
        new ProcessBuilder("kill", "-STOP", Long.toString(pid)).start().waitFor();
        long stopped = System.nanoTime();
        List<String> others = managers.stream().filter(manager -> !manager.equals(paused.getKey())).toList();
        try {
            await().atMost(5, TimeUnit.SECONDS).pollInterval(50, TimeUnit.MILLISECONDS)
                    .until(() -> leader(others).isPresent());
            double election = (System.nanoTime() - stopped) / 1e9;
            Map.Entry<String, Long> replacement = leader(others).orElseThrow();
            assertThat(replacement.getValue()).isGreaterThan(paused.getValue());
            System.out.printf("Failover: leader %s paused (SIGSTOP); %s leads after %.2f s (fence %d -> %d)%n",
                    paused.getKey(), replacement.getKey(), election, paused.getValue(), replacement.getValue());
            // Wake the old leader only once the new one leads in deed, not only in Raft: it has caught
            // up, taken over and issued records under its fence, which the gate has read. Only a
            // manager that has taken over reports the datacenter's status, and it does so every two
            // seconds, so the gate naming it as the datacenter's manager shows exactly that.
            await("the gate hears from the new leader").atMost(20, TimeUnit.SECONDS)
                    .pollInterval(100, TimeUnit.MILLISECONDS)
                    .until(() -> Command.getJson(gateUrl + "/api/v1/datacenters").findValues("manager").stream()
                            .anyMatch(manager -> manager.asText().equals(replacement.getKey())));
        } finally {
            new ProcessBuilder("kill", "-CONT", Long.toString(pid)).start().waitFor();
        }

        await().atMost(20, TimeUnit.SECONDS).until(() -> {
            JsonNode leadership = Command.getJson(managerUrls.get(paused.getKey()) + "/api/v1/leadership");
            return !leadership.get("leading").asBoolean() && !leadership.path("leader").asText().equals(paused.getKey());
        });
        JsonNode job = awaitEnd(id);
        long stale = staleRecordsDropped() - staleBefore;
        // Whether the woken leader wrote anything before it learnt of its successor is a race it
        // usually wins; write what it could have written, with its old fence, and watch it dropped.
        try (KafkaProbe kafka = Command.kafkaProbe(directory, bootstrapServers)) {
            kafka.send(Topics.JOB_EVENTS, Envelope.of(Subject.job(JobId.of(id)), paused.getKey(), paused.getValue(), 1_000_000,
                    System.currentTimeMillis(), new Payload.DatacenterFinished("dc1", DatacenterJobStatus.FAILED, Map.of(), Map.of(),
                            Map.of("", "a deposed leader's verdict"))));
        }
        await().atMost(10, TimeUnit.SECONDS).until(() -> staleRecordsDropped() - staleBefore > stale);
        assertThat(Command.getJson(gateUrl + "/api/v1/jobs/" + id).get("status").asText()).isEqualTo("COMPLETED");
        System.out.printf("Failover: after SIGCONT, %d records of the deposed leader were dropped as stale;"
                + " the job ended %s with %d requests (the target counted %d)%n", stale,
                job.get("status").asText(), job.at("/workflows/0/steps/0/requests").asLong(), target.requests("/delay/21"));
        assertThat(job.get("status").asText()).as(job.toString()).isEqualTo("COMPLETED");
        assertThat(job.at("/workflows/0/steps/0/requests").asLong()).isEqualTo(target.requests("/delay/21"));
    }

    @Test
    @Order(2)
    void killingTheDatacenterLeaderMidJobElectsANewOneWithinFiveSecondsAndTheJobCountsEveryRequestOnce()
            throws Exception {
        List<String> managers = List.copyOf(managerUrls.keySet());
        await().atMost(60, TimeUnit.SECONDS).until(() -> leader(managers).isPresent());
        Map.Entry<String, Long> first = leader(managers).orElseThrow();
        await().atMost(60, TimeUnit.SECONDS).until(() -> Command.getJson(managerUrls.get(first.getKey()) + "/api/v1/workers")
                .get("workers").size() == 2);
        for (String id : managers) {
            JsonNode leadership = Command.getJson(managerUrls.get(id) + "/api/v1/leadership");
            assertThat(leadership.get("members").size()).as("%s's group", id).isEqualTo(3);
            assertThat(leadership.get("leader").asText()).as("%s's leader", id).isEqualTo(first.getKey());
        }
        await().atMost(60, TimeUnit.SECONDS).until(() -> Command.getJson(gateUrl + "/api/v1/datacenters")
                .findValues("healthy").stream().anyMatch(JsonNode::asBoolean));

        String spec = """
                name: failover
                workflows:
                  - name: steady
                    vus: 4
                    duration: 15s
                    steps: [{name: get, request: {url: "%s"}, checks: [{status: 200}]}]
                """.formatted(target.url("/delay/20"));
        String id = submit(spec);
        await().atMost(30, TimeUnit.SECONDS).until(() -> target.requests("/delay/20") > 100);

        ProcessHandle.of(managerPids.get(first.getKey())).orElseThrow().destroyForcibly();
        long killed = System.nanoTime();
        List<String> survivors = managers.stream().filter(manager -> !manager.equals(first.getKey())).toList();
        await().atMost(5, TimeUnit.SECONDS).pollInterval(50, TimeUnit.MILLISECONDS)
                .until(() -> leader(survivors).isPresent());
        double election = (System.nanoTime() - killed) / 1e9;
        Map.Entry<String, Long> second = leader(survivors).orElseThrow();
        assertThat(second.getValue()).as("the new leader's fence").isGreaterThan(first.getValue());

        await().atMost(60, TimeUnit.SECONDS).until(() -> List.of("COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT")
                .contains(Command.getJson(gateUrl + "/api/v1/jobs/" + id).get("status").asText()));
        double finished = (System.nanoTime() - killed) / 1e9;
        JsonNode job = Command.getJson(gateUrl + "/api/v1/jobs/" + id);
        System.out.printf("Failover: leader %s killed (SIGKILL) mid-job; %s leads after %.2f s (fence %d -> %d);"
                + " the job ended %s %.1f s after the kill with %d requests (the target counted %d)%n",
                first.getKey(), second.getKey(), election, first.getValue(), second.getValue(),
                job.get("status").asText(), finished, job.at("/workflows/0/steps/0/requests").asLong(),
                target.requests("/delay/20"));

        assertThat(job.get("status").asText()).as(job.toString()).isEqualTo("COMPLETED");
        assertThat(job.at("/workflows/0/steps/0/requests").asLong()).as("every request, counted once")
                .isEqualTo(target.requests("/delay/20"));
        assertThat(job.at("/workflows/0/steps/0/failed").asLong()).isZero();
        // The new leader's records came under a term both survivors stated: the workers and the gate applied every one.
        JsonNode nodes = JSON.readTree(directory.resolve(".stampede/local/cluster.json").toFile()).get("nodes");
        for (JsonNode node : nodes) {
            if (node.get("role").asText().equals("worker") || node.get("role").asText().equals("gate")) {
                String url = "http://127.0.0.1:" + node.get("httpPort").asInt();
                assertThat(Command.metric(url, "stampede_records_rejected_total", "reason=\"UNVERIFIED_FENCE\""))
                        .as("%s's records refused for their fence", node.get("id").asText()).isZero();
                assertThat(Command.metric(url, "stampede_leader_term_verified", "datacenter=\"dc1\""))
                        .as("the term a majority stated to %s", node.get("id").asText())
                        .isGreaterThanOrEqualTo(second.getValue());
            }
        }

        // Membership declares the killed manager DEAD; the new leader then takes it out of the group.
        await().atMost(40, TimeUnit.SECONDS).until(() -> Command.getJson(managerUrls.get(second.getKey()) + "/api/v1/leadership")
                .get("members").size() == 2);
        assertThat(Command.getJson(managerUrls.get(second.getKey()) + "/api/v1/leadership").get("members").has(first.getKey()))
                .isFalse();
    }
}
