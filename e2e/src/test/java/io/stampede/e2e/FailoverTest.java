package io.stampede.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stampede.local.Processes;
import io.stampede.testkit.TargetServer;
import java.net.URI;
import java.net.http.HttpClient;
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
import org.junit.jupiter.api.Test;

/**
 * Leadership failover on a real local cluster: one datacenter with three managers (one Raft
 * group) and two workers. The datacenter's leader is killed with SIGKILL in the middle of a job.
 */
class FailoverTest {

    static Path directory;
    static TargetServer target;
    static String gateUrl;
    /** Manager id to its HTTP URL and pid. */
    static final Map<String, String> managerUrls = new LinkedHashMap<>();
    static final Map<String, Long> managerPids = new LinkedHashMap<>();
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void startCluster() throws Exception {
        directory = Files.createTempDirectory("stampede-failover-");
        Command.Result up = Command.stampede(directory, Duration.ofMinutes(3), "local", "up",
                "--datacenters", "1", "--managers-per-dc", "3", "--workers-per-dc", "2");
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
        target = TargetServer.start();
    }

    @AfterAll
    static void stopCluster() {
        if (target != null) {
            target.close();
        }
        Command.stampede(directory, Duration.ofMinutes(2), "local", "down");
        Command.localClusterProcesses(directory).forEach(process -> Processes.stop(process, Duration.ofSeconds(5)));
    }

    private static JsonNode get(String url) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    /** The manager that leads, as the managers still running say, with its fence. */
    private static Optional<Map.Entry<String, Long>> leader(List<String> among) {
        for (String id : among) {
            try {
                JsonNode leadership = get(managerUrls.get(id) + "/api/v1/leadership");
                if (leadership.get("leading").asBoolean()) {
                    return Optional.of(Map.entry(id, leadership.get("fence").asLong()));
                }
            } catch (Exception e) {
                // Not answering (yet, or any more): not the leader.
            }
        }
        return Optional.empty();
    }

    @Test
    void killingTheDatacenterLeaderMidJobElectsANewOneWithinFiveSecondsAndTheJobCountsEveryRequestOnce()
            throws Exception {
        List<String> managers = List.copyOf(managerUrls.keySet());
        await().atMost(60, TimeUnit.SECONDS).until(() -> leader(managers).isPresent());
        Map.Entry<String, Long> first = leader(managers).orElseThrow();
        await().atMost(60, TimeUnit.SECONDS).until(() -> get(managerUrls.get(first.getKey()) + "/api/v1/workers")
                .get("workers").size() == 2);
        for (String id : managers) {
            JsonNode leadership = get(managerUrls.get(id) + "/api/v1/leadership");
            assertThat(leadership.get("members").size()).as("%s's group", id).isEqualTo(3);
            assertThat(leadership.get("leader").asText()).as("%s's leader", id).isEqualTo(first.getKey());
        }
        await().atMost(60, TimeUnit.SECONDS).until(() -> get(gateUrl + "/api/v1/datacenters")
                .findValues("healthy").stream().anyMatch(JsonNode::asBoolean));

        String spec = """
                name: failover
                workflows:
                  - name: steady
                    vus: 4
                    duration: 15s
                    steps: [{name: get, request: {url: "%s"}, checks: [{status: 200}]}]
                """.formatted(target.url("/delay/20"));
        HttpResponse<String> accepted = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(gateUrl + "/api/v1/jobs")).header("Content-Type", "application/yaml")
                        .POST(HttpRequest.BodyPublishers.ofString(spec)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String id = JSON.readTree(accepted.body()).get("id").asText();
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
                .contains(get(gateUrl + "/api/v1/jobs/" + id).get("status").asText()));
        double finished = (System.nanoTime() - killed) / 1e9;
        JsonNode job = get(gateUrl + "/api/v1/jobs/" + id);
        System.out.printf("Failover: leader %s killed (SIGKILL) mid-job; %s leads after %.2f s (fence %d -> %d);"
                + " the job ended %s %.1f s after the kill with %d requests (the target counted %d)%n",
                first.getKey(), second.getKey(), election, first.getValue(), second.getValue(),
                job.get("status").asText(), finished, job.at("/workflows/0/steps/0/requests").asLong(),
                target.requests("/delay/20"));

        assertThat(job.get("status").asText()).as(job.toString()).isEqualTo("COMPLETED");
        assertThat(job.at("/workflows/0/steps/0/requests").asLong()).as("every request, counted once")
                .isEqualTo(target.requests("/delay/20"));
        assertThat(job.at("/workflows/0/steps/0/failed").asLong()).isZero();
    }
}
