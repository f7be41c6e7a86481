package io.stampede.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.stampede.local.Processes;
import io.stampede.model.Topics;
import io.stampede.model.job.JobSpecParser;
import io.stampede.model.job.LoadShare;
import io.stampede.model.stats.StepWindow;
import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.Payload;
import io.stampede.testkit.KafkaProbe;
import io.stampede.testkit.TargetServer;

/**
 * A datacenter doing a job across processes, on the real broker: a local cluster (one manager, two
 * workers) started the way users start it; jobs submitted on the datacenter's jobs topic as a gate
 * submits them; results read from the events topic. Scenarios share the cluster.
 */
class DistributedJobTest {

    static Path directory;
    static TargetServer target;
    static KafkaProbe kafka;
    static KafkaProbe.Watch events;
    static KafkaProbe.Watch dispatches;
    static String managerUrl;
    static String gateUrl;

    @BeforeAll
    static void startCluster() throws Exception {
        directory = Files.createTempDirectory("stampede-e2e-");
        Command.Result up = Command.stampede(directory, Duration.ofMinutes(3), "local", "up",
                "--datacenters", "1", "--workers-per-dc", "2");
        assertThat(up.exitCode()).as(up.toString()).isZero();
        JsonNode state = new ObjectMapper().readTree(directory.resolve(".stampede/local/cluster.json").toFile());
        for (JsonNode node : state.get("nodes")) {
            if (node.get("role").asText().equals("manager")) {
                managerUrl = "http://127.0.0.1:" + node.get("httpPort").asInt();
            }
            if (node.get("role").asText().equals("gate")) {
                gateUrl = "http://127.0.0.1:" + node.get("httpPort").asInt();
            }
        }
        target = TargetServer.start();
        kafka = new KafkaProbe(state.get("bootstrapServers").asText());
        events = kafka.watch(Topics.JOB_EVENTS);
        dispatches = kafka.watch(Topics.dispatch("dc1"));
        // The manager knows both workers once their heartbeats have arrived.
        await().atMost(30, TimeUnit.SECONDS).until(() -> new ObjectMapper().readTree(get(managerUrl + "/api/v1/workers"))
                .get("workers").size() == 2);
    }

    @AfterAll
    static void stopCluster() {
        if (kafka != null) {
            kafka.close();
        }
        if (target != null) {
            target.close();
        }
        Command.stampede(directory, Duration.ofMinutes(2), "local", "down");
        Command.localClusterProcesses(directory).forEach(process -> Processes.stop(process, Duration.ofSeconds(5)));
    }

    private static void submit(String jobId, String spec, long deadline) {
        var job = JobSpecParser.parse(spec);
        Map<String, LoadShare> shares = new java.util.LinkedHashMap<>();
        job.workflows().forEach(workflow -> shares.put(workflow.name(), LoadShare.whole(workflow)));
        kafka.send(Topics.jobs("dc1"), Envelope.of(jobId, "gate-test", 1, 1, System.currentTimeMillis(),
                new Payload.JobSubmitted("dc1", spec, shares, deadline)));
    }

    private static Payload.DatacenterFinished finished(String jobId, Duration within) {
        await().atMost(within.toSeconds(), TimeUnit.SECONDS).until(() -> events.about(jobId).stream()
                .anyMatch(envelope -> envelope.payload() instanceof Payload.DatacenterFinished));
        return events.about(jobId).stream().map(Envelope::payload).filter(Payload.DatacenterFinished.class::isInstance)
                .map(Payload.DatacenterFinished.class::cast).findFirst().orElseThrow();
    }

    private static long requests(Payload.DatacenterFinished result, String workflow) {
        return result.totals().get(workflow).steps().stream().mapToLong(StepWindow::requests).sum();
    }

    @Test
    void runsDependentWorkflowsAcrossWorkersAndCountsExactlyWhatTheTargetSaw() {
        // Poison on every topic first: it must be skipped without holding anything up.
        byte[] garbage = "{ not a record".getBytes(StandardCharsets.UTF_8);
        for (String topic : List.of(Topics.jobs("dc1"), Topics.progress("dc1"), Topics.dispatch("dc1"), Topics.JOB_EVENTS)) {
            kafka.send(topic, "job-deps", garbage);
        }
        submit("job-deps", """
                name: deps
                variables: {base: "%s"}
                workflows:
                  - name: browse
                    dependsOn: [login]
                    vus: 4
                    iterations: 5
                    steps:
                      - {name: me, request: {url: "{{base}}/me", headers: {Authorization: "Bearer {{token}}"}}, checks: [{status: 200}]}
                  - name: login
                    vus: 2
                    iterations: 3
                    exports: [token]
                    steps:
                      - name: sign-in
                        request: {method: POST, url: "{{base}}/login", body: {json: {user: "u{{vu}}"}}}
                        extract: [{var: token, jsonPath: $.token}]
                """.formatted(target.url("")), 0);

        Payload.DatacenterFinished result = finished("job-deps", Duration.ofSeconds(60));

        assertThat(result.status()).isEqualTo("COMPLETED");
        assertThat(result.states()).containsEntry("login", "COMPLETED").containsEntry("browse", "COMPLETED");
        assertThat(requests(result, "login")).isEqualTo(6).isEqualTo(target.requests("/login"));
        assertThat(requests(result, "browse")).isEqualTo(20).isEqualTo(target.requests("/me"));
        assertThat(result.totals().get("browse").steps().get(0).successes()).isEqualTo(20);
        // browse started after login had completed, with the token login exported.
        assertThat(target.firstAndLastNanos("/me")[0]).isGreaterThan(target.firstAndLastNanos("/login")[1]);
        assertThat(target.authorizations()).hasSize(20).allMatch(value -> value.matches("Bearer tok-u[12]"));
        // Each workflow was split across both workers.
        List<Payload.WorkflowDispatched> shares = dispatches.about("job-deps").stream().map(Envelope::payload)
                .filter(Payload.WorkflowDispatched.class::isInstance).map(Payload.WorkflowDispatched.class::cast).toList();
        assertThat(shares).filteredOn(share -> share.workflow().equals("browse"))
                .extracting(Payload.WorkflowDispatched::worker).containsExactlyInAnyOrder("worker-dc1-1", "worker-dc1-2");
        // Split by the free cores each worker last reported, which depends on what ran just before.
        List<Integer> browseVus = shares.stream().filter(share -> share.workflow().equals("browse"))
                .map(share -> share.share().vus()).toList();
        assertThat(browseVus).hasSize(2).allMatch(vus -> vus > 0);
        assertThat(browseVus.stream().mapToInt(Integer::intValue).sum()).isEqualTo(4);
        // Live progress came before the result.
        assertThat(events.about("job-deps")).extracting(envelope -> envelope.type().wireName())
                .contains("datacenter.progress").last().isEqualTo("datacenter.finished");
    }

    @Test
    void aCancelStopsTheLoadAndEndsTheJobCancelledWithWhatWasGathered() {
        submit("job-cancel", """
                name: cancel
                workflows:
                  - name: long
                    vus: 6
                    duration: 5m
                    steps: [{name: slow, request: {url: "%s"}}]
                """.formatted(target.url("/delay/30")), 0);
        await().atMost(30, TimeUnit.SECONDS).until(() -> target.requests("/delay/30") > 20);

        long sent = System.nanoTime();
        kafka.send(Topics.jobs("dc1"), Envelope.of("job-cancel", "gate-test", 1, 2, System.currentTimeMillis(),
                new Payload.JobCancelRequested("test")));
        Payload.DatacenterFinished result = finished("job-cancel", Duration.ofSeconds(10));
        double seconds = (System.nanoTime() - sent) / 1e9;
        System.out.printf("cancel on the jobs topic to the datacenter's final result: %.2f s%n", seconds);

        assertThat(result.status()).isEqualTo("CANCELLED");
        assertThat(requests(result, "long")).isGreaterThan(20);
        long seen = target.requests("/delay/30");
        await().during(500, TimeUnit.MILLISECONDS).atMost(2, TimeUnit.SECONDS).until(() -> target.requests("/delay/30") == seen);
        assertThat(seconds).isLessThan(2.0);
    }

    @Test
    void aJobPastItsTimeoutEndsTimedOutWithPartialStatistics() {
        submit("job-timeout", """
                name: timeout
                workflows:
                  - name: long
                    vus: 2
                    duration: 5m
                    steps: [{name: slow, request: {url: "%s"}}]
                """.formatted(target.url("/delay/40")), System.currentTimeMillis() + 2_000);

        Payload.DatacenterFinished result = finished("job-timeout", Duration.ofSeconds(15));

        assertThat(result.status()).isEqualTo("TIMED_OUT");
        assertThat(requests(result, "long")).isPositive();
    }

    @Test
    void aJobSubmittedToTheGateRunsWithLiveEventsAndAReportThatMatchesTheTarget() throws Exception {
        ObjectMapper json = new ObjectMapper();
        await().atMost(30, TimeUnit.SECONDS).until(() -> json.readTree(get(gateUrl + "/api/v1/datacenters"))
                .findValues("healthy").stream().anyMatch(JsonNode::asBoolean));
        String spec = """
                name: through the gate
                workflows:
                  - name: ping
                    vus: 3
                    iterations: 40
                    steps: [{name: get, request: {url: "%s"}, checks: [{status: 200}]}]
                """.formatted(target.url("/delay/7"));
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> accepted = http.send(HttpRequest.newBuilder(URI.create(gateUrl + "/api/v1/jobs"))
                .header("Content-Type", "application/yaml").POST(HttpRequest.BodyPublishers.ofString(spec)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String id = json.readTree(accepted.body()).get("id").asText();

        // Follow it live: one event now, one per change, the stream ends with the final state.
        HttpResponse<java.util.stream.Stream<String>> stream = http.send(HttpRequest.newBuilder(
                URI.create(gateUrl + "/api/v1/jobs/" + id + "/events")).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofLines());
        List<JsonNode> events = stream.body().filter(line -> line.startsWith("data:"))
                .map(line -> { try { return json.readTree(line.substring(5)); } catch (Exception e) {
                    throw new AssertionError(e); } }).toList();
        assertThat(events.size()).isGreaterThanOrEqualTo(2);
        assertThat(events.get(events.size() - 1).get("status").asText()).isEqualTo("COMPLETED");

        JsonNode job = json.readTree(get(gateUrl + "/api/v1/jobs/" + id));
        assertThat(job.get("status").asText()).isEqualTo("COMPLETED");
        assertThat(job.at("/workflows/0/steps/0/requests").asLong()).isEqualTo(120).isEqualTo(target.requests("/delay/7"));
        assertThat(job.at("/workflows/0/steps/0/successes").asLong()).isEqualTo(120);
        assertThat(job.at("/datacenters/dc1/status").asText()).isEqualTo("COMPLETED");
        assertThat(job.at("/workflows/0/steps/0/latencyMs/p99").asDouble()).isGreaterThanOrEqualTo(7.0);
    }

    @Test
    void theRunCommandFollowsAJobWritesReportsAndTellsFailedChecksByItsExitCode() throws Exception {
        Path job = directory.resolve("checks.yaml");
        Files.writeString(job, """
                name: checked
                workflows:
                  - name: ping
                    vus: 2
                    iterations: 10
                    steps: [{name: get, request: {url: "%s"}, checks: [{status: 201}]}]
                """.formatted(target.url("/delay/8")));
        String gate = "--gate=" + gateUrl;

        Command.Result run = Command.stampede(directory, Duration.ofMinutes(2), "run", gate, "--report=report.json",
                job.toString());
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(10);
        assertThat(run.out()).contains("COMPLETED", "failed checks: ping/get/status 201", "check:status 201");
        JsonNode report = new ObjectMapper().readTree(directory.resolve("report.json").toFile());
        assertThat(report.get("reportVersion").asInt()).isEqualTo(1);
        assertThat(report.at("/workflows/0/steps/0/requests").asLong()).isEqualTo(20).isEqualTo(target.requests("/delay/8"));
        assertThat(report.at("/workflows/0/steps/0/checks/status 201/failed").asLong()).isEqualTo(20);

        for (String format : List.of("csv", "html")) {
            Command.Result again = Command.stampede(directory, Duration.ofMinutes(2), "run", gate,
                    "--report=report." + format, job.toString());
            assertThat(again.exitCode()).as(again.toString()).isEqualTo(10);
        }
        assertThat(Files.readString(directory.resolve("report.csv"))).startsWith("scope,workflow,step,requests")
                .contains("all,ping,get,20,0,20,").contains("dc1,ping,get,20,0,20,");
        String html = Files.readString(directory.resolve("report.html"));
        assertThat(html).startsWith("<!DOCTYPE html>").contains("<svg", "Throughput", "checked")
                .doesNotContain("src=\"http", "href=\"http").doesNotContainIgnoringCase("<script");

        Path invalid = directory.resolve("invalid.yaml");
        Files.writeString(invalid, "name: x\nworkflows: []\n");
        Command.Result refused = Command.stampede(directory, Duration.ofMinutes(1), "run", gate, invalid.toString());
        assertThat(refused.exitCode()).isEqualTo(3);
        assertThat(refused.err()).contains("Invalid job", "workflows: must have at least one workflow");
    }

    private static String get(String url) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.body();
    }
}
