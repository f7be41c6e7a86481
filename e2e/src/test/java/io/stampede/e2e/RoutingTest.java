package io.stampede.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;

import io.stampede.testkit.TargetServer;

/**
 * Latency-aware routing on real processes: three datacenters, dc2 and dc3 made 40 and 80 ms away
 * ({@code --rtt}); the gate's probes learn the distances, a one-datacenter job goes to the nearest
 * and says why, and when that one loses its workers the next job goes to the next nearest.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RoutingTest {

    private static final Map<String, Double> INJECTED = Map.of("dc2", 40.0, "dc3", 80.0);

    static Path directory;
    static TargetServer target;
    static String gateUrl;

    @BeforeAll
    static void startCluster() throws Exception {
        directory = Files.createTempDirectory("stampede-routing-");
        Command.Result up = Command.stampede(directory, Duration.ofMinutes(3), "local", "up", "--datacenters", "3",
                "--workers-per-dc", "1", "--rtt", "dc2=40ms,dc3=80ms");
        assertThat(up.exitCode()).as(up.toString()).isZero();
        gateUrl = "http://127.0.0.1:" + Command.node(directory, "gate-1").get("httpPort").asInt();
        target = TargetServer.start();
    }

    @AfterAll
    static void stopCluster() {
        Command.stopCluster(directory, target);
    }

    private static JsonNode datacenter(String name) throws Exception {
        for (JsonNode dc : Command.getJson(gateUrl + "/api/v1/datacenters")) {
            if (dc.get("name").asText().equals(name)) {
                return dc;
            }
        }
        throw new AssertionError("the gate does not know " + name);
    }

    private String oneDatacenterJob() throws Exception {
        return Command.submit(gateUrl, """
                name: nearest
                datacenters: 1
                workflows:
                  - name: once
                    vus: 1
                    iterations: 1
                    steps: [{name: get, request: {url: "%s"}}]
                """.formatted(target.url("/ok")));
    }

    @Test
    @Order(1)
    void probesLearnEachDatacentersDistanceWithinAFifth() throws Exception {
        // 15 probes each: 30 s at one every 2 s.
        await().atMost(90, TimeUnit.SECONDS).pollInterval(Duration.ofSeconds(1)).until(() -> {
            for (String dc : new String[] {"dc1", "dc2", "dc3"}) {
                if (datacenter(dc).get("rttSamples").asInt() < 15) {
                    return false;
                }
            }
            return true;
        });
        double base = datacenter("dc1").get("rttMillis").asDouble();
        System.out.printf("Probe RTT estimates after 15 probes each: dc1 %.1f ms (no delay: this machine's own"
                + " round trip)%n", base);
        for (Map.Entry<String, Double> injected : INJECTED.entrySet()) {
            JsonNode dc = datacenter(injected.getKey());
            double estimate = dc.get("rttMillis").asDouble();
            System.out.printf("  %s: %.1f ms, %.1f ms above dc1, injected %.0f ms (confidence %.2f)%n",
                    injected.getKey(), estimate, estimate - base, injected.getValue(), dc.get("rttConfidence").asDouble());
            assertThat(estimate - base).as(injected.getKey()).isCloseTo(injected.getValue(),
                    within(injected.getValue() * 0.2));
            assertThat(dc.get("reachability").asText()).isEqualTo("REACHABLE");
            assertThat(dc.get("bucket").asText()).isEqualTo("HEALTHY");
        }
    }

    @Test
    @Order(2)
    void aOneDatacenterJobGoesToTheNearestAndItsReportSaysWhy() throws Exception {
        String id = oneDatacenterJob();
        JsonNode job = Command.getJson(gateUrl + "/api/v1/jobs/" + id);
        assertThat(job.get("datacenters").fieldNames()).toIterable().containsExactly("dc1");
        JsonNode routing = job.get("routing");
        assertThat(routing.get("rule").asText()).isEqualTo("BEST_SCORE");
        assertThat(routing.get("reason").asText()).startsWith("dc1 has the lowest score");
        assertThat(routing.get("fallback")).extracting(JsonNode::asText).containsExactly("dc1", "dc2", "dc3");
        assertThat(routing.at("/candidates/0/score").asDouble()).isLessThan(routing.at("/candidates/1/score").asDouble());
        assertThat(routing.at("/candidates/1/score").asDouble()).isLessThan(routing.at("/candidates/2/score").asDouble());

        Command.Result watched = Command.stampede(directory, Duration.ofMinutes(1), "watch", "--gate=" + gateUrl, id);
        assertThat(watched.exitCode()).as(watched.toString()).isZero();
        assertThat(watched.out()).contains("routing (latency, best_score): dc1 has the lowest score");
    }

    @Test
    @Order(3)
    void whenTheNearestLosesItsWorkersTheNextJobGoesToTheNextNearest() throws Exception {
        long killedAt = System.nanoTime();
        ProcessHandle.of(Command.node(directory, "worker-dc1-1").at("/process/pid").asLong()).orElseThrow()
                .destroyForcibly();
        await().atMost(60, TimeUnit.SECONDS).until(() -> datacenter("dc1").get("bucket").asText().equals("UNHEALTHY"));
        double unhealthyAfter = (System.nanoTime() - killedAt) / 1e9;
        String id = oneDatacenterJob();
        JsonNode job = Command.getJson(gateUrl + "/api/v1/jobs/" + id);
        System.out.printf("dc1's only worker killed: the gate called dc1 UNHEALTHY after %.1f s (%s); the next"
                + " job went to %s: %s%n", unhealthyAfter, datacenter("dc1").get("why").asText(),
                job.get("datacenters").fieldNames().next(), job.at("/routing/reason").asText());
        assertThat(job.get("datacenters").fieldNames()).toIterable().containsExactly("dc2");
        assertThat(job.at("/routing/rule").asText()).isEqualTo("FORCED");
        assertThat(job.at("/routing/candidates/0/excluded").asText()).isNotEmpty();
        assertThat(unhealthyAfter).as("the worker's DEAD verdict and one probe period").isLessThan(30);
        await().atMost(60, TimeUnit.SECONDS).until(() -> Command.getJson(gateUrl + "/api/v1/jobs/" + id)
                .get("status").asText().equals("COMPLETED"));
    }

    /**
     * login runs once in dc2 (virtual user 1, after 1 s) and once in dc3 (virtual user 2, after
     * 3 s); profile depends on it. Neither datacenter starts profile before login has ended in
     * both, and both use the token from the datacenter whose login completed last (dc3's).
     */
    @Test
    @Order(4)
    void aDependentWorkflowStartsOnlyOnceItsDependencyEndedInEveryDatacenterWithTheMergedExports() throws Exception {
        String id = Command.submit(gateUrl, """
                name: depends
                datacenters: [dc2, dc3]
                workflows:
                  - name: login
                    vus: 2
                    iterations: 1
                    exports: [token]
                    steps:
                      - name: wait
                        request: {url: "%s"}
                      - name: sign in
                        request:
                          method: POST
                          url: "%s"
                          body: {json: {user: "u{{vu}}"}}
                        extract:
                          - {var: token, jsonPath: $.token}
                  - name: profile
                    dependsOn: [login]
                    vus: 2
                    iterations: 1
                    steps:
                      - name: me
                        request:
                          url: "%s"
                          headers: {Authorization: "Bearer {{token}}"}
                """.formatted(target.url("/delay/{{vu}}{{vu}}00"),
                target.url("/login"), target.url("/me")));
        await().atMost(90, TimeUnit.SECONDS).until(() -> Command.getJson(gateUrl + "/api/v1/jobs/" + id)
                .get("status").asText().equals("COMPLETED"));
        long lastLogin = target.logins().stream().mapToLong(TargetServer.Seen::nanos).max().orElseThrow();
        long firstProfile = target.profiles().stream().mapToLong(TargetServer.Seen::nanos).min().orElseThrow();
        System.out.printf("Dependencies across datacenters: logins %s; profiles %s; the first profile came %.2f s"
                + " after the last login%n", target.logins().stream().map(TargetServer.Seen::value).toList(),
                target.profiles().stream().map(TargetServer.Seen::value).toList(), (firstProfile - lastLogin) / 1e9);
        assertThat(target.logins()).extracting(TargetServer.Seen::value).containsExactlyInAnyOrder("u1", "u2");
        assertThat(firstProfile).as("profile waited for login in both datacenters").isGreaterThan(lastLogin);
        assertThat(target.profiles()).hasSize(2).extracting(TargetServer.Seen::value)
                .as("both datacenters got the token of the login that completed last (dc3's)")
                .containsOnly("Bearer tok-u2");
    }
}
