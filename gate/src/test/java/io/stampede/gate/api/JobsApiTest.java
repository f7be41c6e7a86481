package io.stampede.gate.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.stampede.model.load.LoadState;
import io.stampede.node.load.NodeLoad;
import jakarta.inject.Inject;
import io.restassured.response.Response;
import io.stampede.model.JobId;
import io.stampede.model.Topics;
import io.stampede.model.lifecycle.DatacenterJobStatus;
import io.stampede.model.lifecycle.JobStatus;
import io.stampede.model.lifecycle.WorkflowState;
import io.stampede.model.stats.JobSeries;
import io.stampede.model.stats.LatencyHistograms;
import io.stampede.model.stats.StepWindow;
import io.stampede.model.stats.WorkflowWindow;
import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.Payload;
import io.stampede.model.wire.Subject;
import io.stampede.testkit.KafkaBrokerResource;
import io.stampede.testkit.KafkaProbe;
import io.stampede.testkit.SharedKafka;

/** The gate's API on the real broker, with the test playing the datacenters' managers. */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JobsApiTest {

    static final String JOB = """
            name: api
            workflows:
              - name: ping
                vus: 4
                duration: 30s
                steps: [{name: get, request: {url: "http://127.0.0.1:1/ok"}}]
            """;

    @Inject
    NodeLoad load;

    @Inject
    io.stampede.node.protocol.PeerProtocols peers;

    static KafkaProbe kafka;
    static KafkaProbe.Watch dc1Jobs;
    static KafkaProbe.Watch dc2Jobs;
    static KafkaProbe.Watch events;
    static KafkaProbe.Watch results;
    static long sequence;

    @BeforeAll
    static void start() {
        kafka = new KafkaProbe(SharedKafka.bootstrapServers());
        dc1Jobs = kafka.watch(Topics.jobs("dc1"));
        dc2Jobs = kafka.watch(Topics.jobs("dc2"));
        events = kafka.watch(Topics.JOB_EVENTS);
        results = kafka.watch(Topics.JOB_RESULTS);
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    private static void asManager(String key, Payload payload) {
        Subject subject = payload instanceof Payload.DatacenterStatus ? new Subject.Datacenter(key)
                : Subject.job(JobId.of(key));
        kafka.send(Topics.JOB_EVENTS, Envelope.of(subject, "manager-test", 1, ++sequence, System.currentTimeMillis(),
                payload));
    }

    /**
     * Lists jobs. A listing is the gate's lowest-priority work: while the machine running the
     * tests is busy (a build on two cores), the gate may shed it with 503 and Retry-After, and a
     * client asks again, as this does.
     */
    private static Response listing(String query) {
        Response[] answer = new Response[1];
        await().atMost(30, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(500)).until(() -> {
            answer[0] = given().get("/api/v1/jobs" + query);
            return answer[0].statusCode() != 503;
        });
        return answer[0];
    }

    private static Response submit(String body, String contentType, String idempotencyKey) {
        var request = given().contentType(contentType).body(body.getBytes(StandardCharsets.UTF_8));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return request.when().post("/api/v1/jobs");
    }

    @Test
    @Order(1)
    void anInvalidJobGets400WithEveryProblem() {
        submit("name: bad\nworkflows:\n  - {name: w, vus: 0, duraton: 1m, steps: []}\n", "application/yaml", null).then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("title", equalTo("Invalid job"))
                .body("status", equalTo(400))
                .body("errors.path", hasItem("workflows[0].vus"))
                .body("errors.path", hasItem("workflows[0].duraton"))
                .body("errors.path", hasItem("workflows[0].steps"))
                .body("errors", hasSize(4));
    }

    @Test
    @Order(1)
    void aJobAimedWhereTheTargetPolicyDeniesGets400AtEachStepsPath() {
        // The tests' gate allows loopback only, but for 127.0.0.3 (stampede.targets.deny): metadata,
        // link-local and private targets and the denied CIDR are refused.
        submit("""
                name: aimed
                variables: {cloud: 'http://169.254.169.254'}
                workflows:
                  - name: w
                    vus: 1
                    duration: 1s
                    steps:
                      - {name: ok, request: {url: "http://127.0.0.1:1/ok"}}
                      - {name: metadata, request: {url: "{{cloud}}/latest/meta-data/"}}
                      - {name: inside, request: {url: "http://10.0.0.5/api"}}
                      - {name: runtime, request: {url: "http://10.0.0.{{vu}}/api"}}
                      - {name: denied, request: {url: "http://127.0.0.3:8080/"}}
                """, "application/yaml", null).then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("errors", hasSize(3))
                .body("errors[0].path", equalTo("workflows[0].steps[1].request.url"))
                .body("errors[0].message", containsString("169.254.169.254 is a cloud metadata address"))
                .body("errors[1].path", equalTo("workflows[0].steps[2].request.url"))
                .body("errors[1].message", containsString("private range"))
                .body("errors[2].path", equalTo("workflows[0].steps[4].request.url"))
                .body("errors[2].message", containsString("denied by stampede.targets.deny (127.0.0.3/32)"));
    }

    @Test
    @Order(2)
    void withoutAHealthyDatacenterTheJobIsRefusedWithTheReasonAndWhenToRetry() {
        submit(JOB, "application/yaml", null).then()
                .statusCode(503)
                .header("Retry-After", "2")
                .body("detail", startsWith("no datacenter can take the job"));
        given().get("/q/health/ready").then().statusCode(503)
                .body("checks.find { it.name == 'datacenters' }.status", equalTo("DOWN"));
    }

    @Test
    @Order(3)
    void aJobIsSplitAcrossDatacentersByFreeCoresAndFollowedToItsEnd() {
        kafka.send(Topics.JOB_EVENTS, "garbage", "{{{".getBytes(StandardCharsets.UTF_8));
        asManager("dc1", new Payload.DatacenterStatus("dc1", "manager-dc1", 2, 4, 3, 0));
        asManager("dc2", new Payload.DatacenterStatus("dc2", "manager-dc2", 1, 2, 1, 0));
        await().atMost(10, TimeUnit.SECONDS).until(() -> given().get("/api/v1/datacenters").jsonPath()
                .getList("findAll { it.healthy }").size() == 2);

        Response accepted = submit(JOB, "application/yaml", "key-1");
        accepted.then().statusCode(202).header("Location", containsString("/api/v1/jobs/job-"));
        String id = accepted.jsonPath().getString("id");
        assertThat(accepted.jsonPath().getList("datacenters")).containsExactly("dc1", "dc2");

        await().atMost(10, TimeUnit.SECONDS).until(() -> !dc1Jobs.about(id).isEmpty() && !dc2Jobs.about(id).isEmpty());
        Payload.JobSubmitted toDc1 = (Payload.JobSubmitted) dc1Jobs.about(id).get(0).payload();
        Payload.JobSubmitted toDc2 = (Payload.JobSubmitted) dc2Jobs.about(id).get(0).payload();
        assertThat(toDc1.shares().get("ping").vus()).isEqualTo(3);
        assertThat(toDc2.shares().get("ping").vus()).isEqualTo(1);
        assertThat(toDc2.shares().get("ping").firstVu()).isEqualTo(4);

        // The same key and body: the same job. The same key and another body: 409.
        submit(JOB, "application/yaml", "key-1").then().statusCode(202).body("id", equalTo(id));
        submit(JOB.replace("vus: 4", "vus: 5"), "application/yaml", "key-1").then().statusCode(409);

        asManager(id, new Payload.DatacenterProgress("dc1", Map.of("ping", WorkflowState.RUNNING), Map.of("ping", List.of(window(30)))));
        await().atMost(10, TimeUnit.SECONDS).until(() -> given().get("/api/v1/jobs/" + id).jsonPath()
                .getString("status").equals("RUNNING"));
        // The gate publishes the job's merged progress for other readers.
        await().atMost(10, TimeUnit.SECONDS).until(() -> events.about(id).stream()
                .anyMatch(envelope -> envelope.payload() instanceof Payload.JobProgress progress
                        && progress.totals().get("ping").steps().get(0).requests() == 30));
        // The series has the window's second; bad parameters are 400s that say what there is.
        given().get("/api/v1/jobs/" + id + "/series").then().statusCode(200)
                .body("datacenters", equalTo(List.of("dc1", "dc2")))
                .body("series[0].workflow", equalTo("ping"))
                .body("series[0].datacenter", equalTo("all"))
                .body("series[0].resolutionMillis", equalTo(1000))
                .body("series[0].points[0].steps[0].requests", equalTo(30))
                .body("series[0].points[0].steps[0].requestsPerSecond", equalTo(30.0f));
        given().get("/api/v1/jobs/" + id + "/series?datacenter=dc3").then().statusCode(400)
                .body("detail", containsString("runs in [dc1, dc2]"));
        given().get("/api/v1/jobs/" + id + "/series?workflow=pong").then().statusCode(400)
                .body("detail", containsString("has the workflows [ping]"));
        given().get("/api/v1/jobs/" + id + "/series?resolution=fast").then().statusCode(400)
                .body("title", equalTo("Bad resolution"));
        given().get("/api/v1/jobs/nope/series").then().statusCode(404);
        // And in Prometheus's scrape, next to the system under test.
        assertThat(given().get("/q/metrics").asString()).contains("stampede_requests_total{datacenter=\"dc1\","
                + "node=\"gate-test\",outcome=\"success\",role=\"gate\",stampede_job=\"" + id
                + "\",step=\"get\",workflow=\"ping\"} 30.0",
                "stampede_request_latency_seconds{datacenter=\"dc1\",node=\"gate-test\",quantile=\"0.99\",role=\"gate\","
                        + "stampede_job=\"" + id + "\",step=\"get\"");
        asManager(id, new Payload.DatacenterFinished("dc1", DatacenterJobStatus.COMPLETED, Map.of("ping", WorkflowState.COMPLETED),
                Map.of("ping", window(120)), Map.of()));
        asManager(id, new Payload.DatacenterFinished("dc2", DatacenterJobStatus.COMPLETED, Map.of("ping", WorkflowState.COMPLETED),
                Map.of("ping", window(40)), Map.of()));

        await().atMost(10, TimeUnit.SECONDS).until(() -> given().get("/api/v1/jobs/" + id).jsonPath()
                .getString("status").equals("COMPLETED"));
        // A datacenter's last windows come after its final totals: they are in the series, not counted twice.
        asManager(id, new Payload.DatacenterProgress("dc2", Map.of("ping", WorkflowState.COMPLETED), Map.of("ping",
                List.of(window(40)))));
        await().atMost(10, TimeUnit.SECONDS).until(() -> given().get("/api/v1/jobs/" + id + "/series?datacenter=dc2")
                .jsonPath().getInt("series[0].points[0].steps[0].requests") == 40);
        given().get("/api/v1/jobs/" + id + "/series").then().body("series[0].points[0].steps[0].requests", equalTo(70));
        given().get("/api/v1/jobs/" + id).then()
                .body("thresholds[0].description", equalTo("errorRate below 10% (job)"))
                .body("thresholds[0].origin", equalTo("DEFAULT"))
                .body("thresholds[0].status", equalTo("PASSED"))
                .body("workflows[0].steps[0].requests", equalTo(160))
                .body("datacenters.dc1.status", equalTo("COMPLETED"))
                .body("datacenters.dc2.statistics[0].steps[0].requests", equalTo(40));
        await().atMost(10, TimeUnit.SECONDS).until(() -> events.about(id).stream()
                .anyMatch(envelope -> envelope.payload() instanceof Payload.JobFinished finished
                        && finished.status() == JobStatus.COMPLETED));
        listing("?status=completed").then().statusCode(200).body("jobs.id", hasItem(id));
        listing("?status=bogus").then().statusCode(400).body("title", equalTo("Bad status"));

        // Cancelling a finished job changes nothing and says how it ended.
        given().delete("/api/v1/jobs/" + id).then().statusCode(202).body("status", equalTo("COMPLETED"));
        completed = id;
    }

    /** The job the test above completed. */
    static String completed;

    @Test
    @Order(4)
    void aFinishedJobsResultsAreKeptOnTheResultsTopicAndServedByAGateThatDoesNotHoldIt() {
        // Its owner sends them once the job's series has settled: the final view and the series.
        await().atMost(20, TimeUnit.SECONDS).until(() -> !results.about(completed).isEmpty());
        Envelope kept = results.about(completed).get(0);
        Payload.JobArchived archived = (Payload.JobArchived) kept.payload();
        assertThat(kept.sender()).isEqualTo("gate-test");
        assertThat(archived.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(archived.view().at("/workflows/0/steps/0/requests").asLong()).isEqualTo(160);
        assertThat(archived.series()).extracting(JobSeries.Series::datacenter).containsExactly("all", "dc1", "dc2");

        // Records that are not a job's results are skipped, counted, and the topic read on.
        kafka.send(Topics.JOB_RESULTS, "garbage", "{{{".getBytes(StandardCharsets.UTF_8));
        kafka.send(Topics.JOB_RESULTS, Envelope.of(Subject.job(JobId.of("job-00000000beef")), "gate-x", 1, 1,
                System.currentTimeMillis(), new Payload.JobEnded(DatacenterJobStatus.COMPLETED)));
        // The same results under a job this gate never held, as a restarted gate finds them.
        String other = "job-00000000cafe";
        ObjectNode view = archived.view().deepCopy();
        view.put("id", other);
        kafka.send(Topics.JOB_RESULTS, Envelope.of(Subject.job(JobId.of(other)), "gate-x", 1, 1, System.currentTimeMillis(),
                new Payload.JobArchived(archived.name(), archived.status(), archived.submittedAtMillis(),
                        archived.endedAtMillis(), archived.datacenters(), archived.workflows(), view,
                        archived.resolutionMillis(), archived.series(), "")));

        await().atMost(20, TimeUnit.SECONDS).until(() -> given().get("/api/v1/jobs/" + other).statusCode() == 200);
        given().get("/api/v1/jobs/" + other).then().body("id", equalTo(other)).body("status", equalTo("COMPLETED"))
                .body("workflows[0].steps[0].requests", equalTo(160))
                .body("datacenters.dc2.statistics[0].steps[0].requests", equalTo(40));
        given().get("/api/v1/jobs/" + other + "/series").then().statusCode(200).body("settled", equalTo(true))
                .body("series[0].datacenter", equalTo("all"))
                .body("series[0].points[0].steps[0].requests", equalTo(70));
        given().get("/api/v1/jobs/" + other + "/series?datacenter=dc2&step=get").then().statusCode(200)
                .body("series[0].points[0].steps[0].requests", equalTo(40));
        given().get("/api/v1/jobs/" + other + "/series?resolution=5s").then().statusCode(400)
                .body("detail", containsString("kept at 1 s a point"));
        given().get("/api/v1/jobs/" + other + "/series?datacenter=dc3").then().statusCode(400)
                .body("detail", containsString("runs in [dc1, dc2]"));
        listing("?status=completed").then().statusCode(200).body("jobs.id", hasItem(other))
                .body("jobs.find { it.id == '" + other + "' }.datacenters.dc1.status", equalTo("COMPLETED"));
        assertThat(given().get("/api/v1/jobs/" + other + "/events").asString())
                .as("its final state, and the stream ends").contains("\"id\":\"" + other + "\"", "\"COMPLETED\"");
        given().delete("/api/v1/jobs/" + other).then().statusCode(202).body("status", equalTo("COMPLETED"));
        given().get("/api/v1/jobs/job-00000000beef").then().statusCode(404);
        await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> assertThat(given().get("/q/metrics").asString())
                .contains("reason=\"NOT_JSON\",role=\"gate\",topic=\"stampede.jobs.results\"}")
                .contains("reason=\"UNAPPLICABLE\",role=\"gate\",topic=\"stampede.jobs.results\"}"));
    }

    @Test
    @Order(5)
    void cancellingIsPassedToEveryDatacenterAndIsIdempotent() {
        String id = submit(JOB.replace("name: api", "name: to-cancel"), "application/yaml", null).jsonPath().getString("id");

        given().delete("/api/v1/jobs/" + id).then().statusCode(202);
        given().delete("/api/v1/jobs/" + id).then().statusCode(202);

        await().atMost(10, TimeUnit.SECONDS).until(() -> dc1Jobs.about(id).stream()
                .anyMatch(envelope -> envelope.payload() instanceof Payload.JobCancelRequested));
        assertThat(dc1Jobs.about(id).stream().filter(envelope -> envelope.payload() instanceof Payload.JobCancelRequested))
                .hasSize(1);
        asManager(id, new Payload.DatacenterFinished("dc1", DatacenterJobStatus.CANCELLED, Map.of(), Map.of("ping", window(5)), Map.of()));
        asManager(id, new Payload.DatacenterFinished("dc2", DatacenterJobStatus.CANCELLED, Map.of(), Map.of("ping", window(1)), Map.of()));
        await().atMost(10, TimeUnit.SECONDS).until(() -> given().get("/api/v1/jobs/" + id).jsonPath()
                .getString("status").equals("CANCELLED"));
        given().get("/api/v1/jobs/" + id).then().body("workflows[0].steps[0].requests", equalTo(6));
    }

    @Test
    @Order(6)
    void theGateEndsAJobAtItsTimeoutEverywhere() {
        asManager("dc1", new Payload.DatacenterStatus("dc1", "manager-dc1", 2, 4, 4, 0));
        asManager("dc2", new Payload.DatacenterStatus("dc2", "manager-dc2", 1, 2, 2, 0));
        await().atMost(10, TimeUnit.SECONDS).until(() -> given().get("/api/v1/datacenters").jsonPath()
                .getList("findAll { it.healthy }").size() == 2);
        String id = submit(JOB.replace("name: api", "name: too-slow\ntimeout: 1s"), "application/yaml", null)
                .jsonPath().getString("id");

        // The gate's own deadline fires: it tells every datacenter to stop.
        await().atMost(10, TimeUnit.SECONDS).until(() -> List.of(dc1Jobs, dc2Jobs).stream().allMatch(watch ->
                watch.about(id).stream().anyMatch(envelope -> envelope.payload() instanceof Payload.JobCancelRequested
                        cancel && cancel.reason().equals("timeout"))));
        asManager(id, new Payload.DatacenterFinished("dc1", DatacenterJobStatus.CANCELLED, Map.of(), Map.of("ping", window(3)), Map.of()));
        asManager(id, new Payload.DatacenterFinished("dc2", DatacenterJobStatus.CANCELLED, Map.of(), Map.of("ping", window(2)), Map.of()));

        await().atMost(10, TimeUnit.SECONDS).until(() -> given().get("/api/v1/jobs/" + id).jsonPath()
                .getString("status").equals("TIMED_OUT"));
        given().get("/api/v1/jobs/" + id).then().body("workflows[0].steps[0].requests", equalTo(5));
    }

    @Test
    @Order(7)
    void unknownJobsAre404AndOversizedRequests413() throws Exception {
        given().get("/api/v1/jobs/job-nope").then().statusCode(404).body("title", equalTo("No such job"));
        given().delete("/api/v1/jobs/job-nope").then().statusCode(404);
        // Sent with Expect: 100-continue, so the gate refuses it before the body is on the wire.
        var response = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build()
                .send(java.net.http.HttpRequest
                .newBuilder(java.net.URI.create(io.restassured.RestAssured.baseURI + ":" + io.restassured.RestAssured.port
                        + "/api/v1/jobs"))
                .expectContinue(true).header("Content-Type", "application/yaml")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(new byte[5 * 1024 * 1024])).build(),
                java.net.http.HttpResponse.BodyHandlers.discarding());
        assertThat(response.statusCode()).isEqualTo(413);
    }

    @Test
    @Order(8)
    void aJobOverFourMebibytesIsA413ProblemThatSaysSo() {
        String job = JOB + "variables: {pad: \"" + "x".repeat(io.stampede.model.job.JobSpecParser.MAX_JOB_BYTES) + "\"}\n";

        submit(job, "application/yaml", null).then().statusCode(413)
                .body("title", equalTo("Job too large"))
                .body("detail", containsString("a gate accepts at most 4194304 bytes"));
    }

    @Test
    @Order(9)
    void aQuietJobsEventStreamStillSendsItAtLeastEveryFiveSeconds() throws Exception {
        asManager("dc1", new Payload.DatacenterStatus("dc1", "manager-dc1", 2, 4, 4, 0));
        asManager("dc2", new Payload.DatacenterStatus("dc2", "manager-dc2", 1, 2, 2, 0));
        await().atMost(10, TimeUnit.SECONDS).until(() -> given().get("/api/v1/datacenters").jsonPath()
                .getList("findAll { it.healthy }").size() == 2);
        String id = submit(JOB.replace("name: api", "name: quiet"), "application/yaml", null).jsonPath().getString("id");
        List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        var stream = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(io.restassured.RestAssured.baseURI + ":" + io.restassured.RestAssured.port
                        + "/api/v1/jobs/" + id + "/events")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofLines());
        Thread reader = new Thread(() -> stream.body().filter(line -> line.startsWith("data:")).forEach(events::add));
        reader.setDaemon(true);
        reader.start();
        try {
            // Nothing about the job changes, yet the stream goes on: the job now, then every 5 s.
            await().atMost(15, TimeUnit.SECONDS).until(() -> events.size() >= 3);
            assertThat(events).allSatisfy(event -> assertThat(event).contains(id, "SUBMITTED"));
        } finally {
            stream.body().close();
            given().delete("/api/v1/jobs/" + id);
        }
    }

    private static WorkflowWindow window(long requests) {
        var histogram = LatencyHistograms.create();
        for (int i = 0; i < requests; i++) {
            histogram.recordValue(500 + i);
        }
        return new WorkflowWindow("ping", 0, 1000, requests, 0, 1, List.of(new StepWindow("get", requests, requests,
                Map.of(), 0, 0, Map.of(), LatencyHistograms.encode(histogram))));
    }

    @Test
    @Order(10)
    void anOverloadedGateShedsAllButCancelsWithRetryAfter() {
        load.floor(() -> LoadState.OVERLOADED);
        try {
            await().atMost(10, TimeUnit.SECONDS).until(() -> load.state() == LoadState.OVERLOADED);
            given().get("/api/v1/jobs").then().statusCode(503).header("Retry-After", "2")
                    .contentType("application/problem+json").body("detail", containsString("OVERLOADED"));
            submit(JOB, "application/yaml", null).then().statusCode(503).header("Retry-After", "2");
            given().get("/api/v1/jobs/job-0123456789ab").then().statusCode(503);
            // A cancel is never shed; health is not an API request.
            given().delete("/api/v1/jobs/job-0123456789ab").then().statusCode(404);
            given().get("/q/health/live").then().statusCode(200);
            given().get("/q/health/ready").then().statusCode(503)
                    .body("checks.find { it.name == 'load' }.data.state", equalTo("OVERLOADED"));
            given().get("/api/v1/node").then().statusCode(503);
        } finally {
            load.floor(() -> LoadState.HEALTHY);
        }
        await().atMost(10, TimeUnit.SECONDS).until(() -> load.state() != LoadState.OVERLOADED);
        given().get("/api/v1/node").then().statusCode(200).body("load.state", notNullValue());
    }

    @Test
    @Order(11)
    void aClientOverItsCancelRateGets429WithWhenItMayTryAgain() {
        int answered = 0;
        io.restassured.response.Response last = null;
        long began = System.nanoTime();
        while (answered < 40 && (last == null || last.statusCode() != 429)) {
            last = given().delete("/api/v1/jobs/job-0123456789ab");
            assertThat(last.statusCode()).isIn(404, 429);
            answered++;
        }
        long tookMillis = (System.nanoTime() - began) / 1_000_000;
        // 20 cancels per 10 s: the 21st at the latest is refused, plus one for every 500 ms the
        // requests took, which the bucket refilled meanwhile (a loaded machine answers slower).
        // Under 5 s, that bound (at most 31) stays under the 40 the loop allows; a machine slower
        // than that refills the bucket about as fast as it asks, and cannot show the limit.
        org.junit.jupiter.api.Assumptions.assumeTrue(tookMillis < 5_000, "40 cancels took " + tookMillis + " ms");
        assertThat(answered).isLessThanOrEqualTo(21 + (int) (tookMillis / 500));
        assertThat(last.statusCode()).isEqualTo(429);
        assertThat(Long.parseLong(last.header("Retry-After"))).isBetween(1L, 10L);
        assertThat(last.contentType()).startsWith("application/problem+json");
        given().get("/q/metrics").then().body(containsString(
                "stampede_gate_requests_refused_total{"));
    }

    @Test
    @Order(12)
    void aDatacenterStatusTellsTheGateWhatItsSenderSpeaksNotWhatAnotherManagerDoes() {
        // Sent by manager-test: one naming another manager as the datacenter's, then one naming itself.
        asManager("dc1", statusOf("manager-dc1", "made-up-by-another"));
        asManager("dc1", statusOf("manager-test", "told-by-itself"));
        await().atMost(10, TimeUnit.SECONDS).until(() -> told("manager-test").contains("told-by-itself"));
        assertThat(told("manager-dc1")).doesNotContain("made-up-by-another");
    }

    private static Payload.DatacenterStatus statusOf(String manager, String capability) {
        return new Payload.DatacenterStatus("dc1", manager, 2, 4, 4, 0, LoadState.HEALTHY,
                io.stampede.model.load.Backpressure.NONE, "", 2, 1, 1, 0L, List.of(capability));
    }

    /** What the gate holds a peer told it speaks; nothing for a peer it does not know. */
    private java.util.Set<String> told(String peer) {
        return peers.view().peers().stream().filter(known -> known.node().equals(peer)).findFirst()
                .map(known -> (java.util.Set<String>) known.capabilities()).orElse(java.util.Set.of());
    }
}
