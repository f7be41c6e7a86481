package io.stampede.worker.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.stampede.local.FreePorts;
import io.stampede.model.job.JobSpec;
import io.stampede.model.job.JobSpecParser;
import io.stampede.model.job.WorkflowSpec;
import io.stampede.model.stats.LatencyHistograms;
import io.stampede.model.stats.StepWindow;
import io.stampede.model.stats.WorkflowAccumulator;
import io.stampede.model.stats.WorkflowWindow;
import io.stampede.testkit.TargetServer;

/** The engine against a real HTTP server on loopback: what it counts is what the server saw. */
class LoadEngineTest {

    static LoadEngine engine;
    TargetServer server;
    final List<WorkflowWindow> windows = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startEngine() {
        engine = LoadEngine.standalone();
    }

    @AfterAll
    static void stopEngine() {
        engine.close();
    }

    @BeforeEach
    void startServer() {
        server = TargetServer.start();
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    private JobSpec job(String workflows) {
        return JobSpecParser.parse("name: test\nvariables: {base: 'http://127.0.0.1:" + server.port() + "'}\n"
                + "workflows:\n" + workflows);
    }

    private WorkflowResult run(JobSpec job, String workflow) {
        return start(job, workflow).completion().join();
    }

    private WorkflowRun start(JobSpec job, String workflow) {
        WorkflowSpec spec = job.workflow(workflow).orElseThrow();
        return engine.start(WorkflowShare.whole(spec, job.variables()).withWindow(Duration.ofMillis(200)),
                windows::add);
    }

    private static StepWindow step(WorkflowResult result, String name) {
        return result.totals().steps().stream().filter(step -> step.step().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void shedVirtualUsersStopAtTheirIterationsEndAndEverythingSentStillCounts() {
        JobSpec job = job("""
                  - name: ping
                    vus: 10
                    duration: 3s
                    steps:
                      - {name: ok, request: {url: "{{base}}/delay/20"}}
                """);
        WorkflowRun run = start(job, "ping");
        await().atMost(10, TimeUnit.SECONDS).until(() -> windows.stream().anyMatch(window -> window.activeVus() == 10));
        assertThat(run.shed(4)).isEqualTo(4);
        assertThat(run.shed(0)).as("shedding none gives nothing more up").isEqualTo(4);
        await().atMost(10, TimeUnit.SECONDS).until(() -> !windows.isEmpty()
                && windows.get(windows.size() - 1).activeVus() == 6);

        WorkflowResult result = run.completion().join();

        assertThat(run.shedVus()).isEqualTo(4);
        assertThat(server.peakConcurrency()).isEqualTo(10);
        assertThat(step(result, "ok").requests()).isEqualTo(server.requests());
        assertThat(result.outcome()).isEqualTo(WorkflowResult.Outcome.COMPLETED);
        assertThat(run.shed(100)).as("never more than the share has").isEqualTo(10);
    }

    @Test
    void closedModelCountsExactlyWhatTheServerReceivedWithOneRequestInFlightPerVu() {
        JobSpec job = job("""
                  - name: ping
                    vus: 8
                    duration: 2s
                    steps:
                      - {name: ok, request: {url: "{{base}}/delay/5"}, checks: [{status: 200}]}
                """);

        WorkflowResult result = run(job, "ping");

        StepWindow ok = step(result, "ok");
        assertThat(ok.requests()).isGreaterThan(100).isEqualTo(server.requests());
        assertThat(ok.successes()).isEqualTo(ok.requests());
        assertThat(ok.checks().get("status 200").passed()).isEqualTo(ok.requests());
        assertThat(result.totals().iterations()).isEqualTo(ok.requests());
        assertThat(server.peakConcurrency()).isEqualTo(8);
        assertThat(LatencyHistograms.decode(ok.latency()).getTotalCount()).isEqualTo(ok.requests());
        assertThat(result.outcome()).isEqualTo(WorkflowResult.Outcome.COMPLETED);
    }

    @Test
    void windowsAddUpToTheTotalsExactly() {
        JobSpec job = job("""
                  - name: ping
                    vus: 4
                    duration: 1s
                    steps:
                      - {name: ok, request: {url: "{{base}}/ok"}}
                      - {name: json, request: {url: "{{base}}/json"}}
                """);

        WorkflowResult result = run(job, "ping");

        assertThat(windows.size()).isGreaterThanOrEqualTo(4);
        WorkflowAccumulator merged = new WorkflowAccumulator("ping");
        windows.forEach(merged::addLater);
        assertThat(merged.toWindow().steps()).isEqualTo(result.totals().steps());
        assertThat(merged.toWindow().iterations()).isEqualTo(result.totals().iterations());
        Histogram whole = LatencyHistograms.decode(step(result, "json").latency());
        assertThat(whole.getTotalCount()).isEqualTo(server.requests("/json"));
        // Cut at the clock's multiples of the window, so that every worker's windows cover the same time.
        assertThat(windows.subList(0, windows.size() - 1)).allSatisfy(window ->
                assertThat(window.endMillis() % 200).isZero());
        assertThat(windows.subList(1, windows.size())).allSatisfy(window ->
                assertThat(window.startMillis() % 200).isZero());
    }

    @Test
    void requestsThatCannotBeSentAreCountedApartAndNotAsRequests() {
        // Extractions decide at run time: one finds nothing, the other finds text that is no URL.
        JobSpec job = job("""
                  - name: unsendable
                    vus: 2
                    iterations: 3
                    steps:
                      - name: fetch
                        request: {url: "{{base}}/json"}
                        extract: [{var: token, jsonPath: "$.missing"}, {var: next, jsonPath: "$.items[0].name"}]
                      - {name: no-token, request: {url: "{{base}}/me", headers: {Authorization: "Bearer {{token}}"}}}
                      - {name: bad-url, request: {url: "{{next}}"}}
                """);

        WorkflowResult result = run(job, "unsendable");

        StepWindow noToken = step(result, "no-token");
        assertThat(noToken.notSent()).isEqualTo(Map.of("missing_variable:token", 6L));
        assertThat(noToken.requests()).isZero();
        assertThat(LatencyHistograms.decode(noToken.latency()).getTotalCount()).isZero();
        StepWindow badUrl = step(result, "bad-url");
        assertThat(badUrl.notSent()).isEqualTo(Map.of("invalid_url", 6L));
        assertThat(badUrl.requests()).isZero();
        assertThat(step(result, "fetch").requests()).isEqualTo(6).isEqualTo(server.requests());
    }

    @Test
    void iterationsPerVirtualUserAreExact() {
        JobSpec job = job("""
                  - name: counted
                    vus: 3
                    iterations: 5
                    steps:
                      - {name: a, request: {url: "{{base}}/ok?vu={{vu}}&i={{iteration}}"}}
                      - {name: b, request: {method: POST, url: "{{base}}/ok", body: {text: "n={{sequence}}"}}}
                """);

        WorkflowResult result = run(job, "counted");

        assertThat(result.totals().iterations()).isEqualTo(15);
        assertThat(server.requests()).isEqualTo(30);
        assertThat(step(result, "b").bytesSent()).isGreaterThanOrEqualTo(15 * 3);
        assertThat(step(result, "a").bytesReceived()).isEqualTo(15 * 2);
    }

    @Test
    void classifiesFailuresAndNeverStopsBecauseOfThem() {
        int closedPort = FreePorts.tcp();
        JobSpec job = job("""
                  - name: failing
                    vus: 2
                    iterations: 3
                    steps:
                      - {name: server-error, request: {url: "{{base}}/status/503"}}
                      - {name: not-found, request: {url: "{{base}}/status/404"}}
                      - {name: wrong-status, request: {url: "{{base}}/ok"}, checks: [{status: 201}, {bodyContains: ok}]}
                      - {name: slow, request: {url: "{{base}}/delay/2000", timeout: 150ms}}
                      - {name: refused, request: {url: "http://127.0.0.1:%d/ok", timeout: 5s}}
                      - {name: dropped, request: {url: "{{base}}/close"}}
                      - {name: expected-404, request: {url: "{{base}}/status/404"}, checks: [{status: 404}]}
                """.formatted(closedPort));

        WorkflowResult result = run(job, "failing");

        assertThat(step(result, "server-error").failures()).isEqualTo(Map.of("http_5xx", 6L));
        assertThat(step(result, "not-found").failures()).isEqualTo(Map.of("http_4xx", 6L));
        StepWindow wrongStatus = step(result, "wrong-status");
        assertThat(wrongStatus.failures()).isEqualTo(Map.of("check:status 201", 6L));
        assertThat(wrongStatus.checks()).isEqualTo(Map.of(
                "status 201", new StepWindow.CheckTally(0, 6), "body contains \"ok\"", new StepWindow.CheckTally(6, 0)));
        assertThat(step(result, "slow").failures()).isEqualTo(Map.of("timeout", 6L));
        assertThat(step(result, "refused").failures()).isEqualTo(Map.of("connection_refused", 6L));
        assertThat(step(result, "dropped").failures()).isEqualTo(Map.of("connection_reset", 6L));
        assertThat(step(result, "expected-404").successes()).isEqualTo(6);
        assertThat(result.totals().iterations()).isEqualTo(6);
    }

    @Test
    void extractsValuesUsesThemInLaterStepsAndExportsThem() {
        JobSpec job = job("""
                  - name: login
                    vus: 3
                    iterations: 2
                    exports: [token]
                    steps:
                      - name: sign-in
                        request: {method: POST, url: "{{base}}/login", body: {json: {user: "u{{vu}}"}}}
                        checks: [{jsonPath: $.token}]
                        extract: [{var: token, jsonPath: $.token}]
                      - name: me
                        request: {url: "{{base}}/me", headers: {Authorization: "Bearer {{token}}"}}
                        checks: [{status: 200}]
                """);

        WorkflowResult result = run(job, "login");

        assertThat(step(result, "me").successes()).isEqualTo(6);
        assertThat(server.authorizations()).hasSize(6)
                .containsOnly("Bearer tok-u1", "Bearer tok-u2", "Bearer tok-u3");
        assertThat(result.exports().get("token")).matches("tok-u[123]");
    }

    @Test
    void openModelHoldsItsRate() {
        JobSpec job = job("""
                  - name: arrivals
                    rate: 200
                    duration: 3s
                    steps:
                      - {name: ok, request: {url: "{{base}}/ok"}}
                """);

        WorkflowRun run = start(job, "arrivals");
        WorkflowResult result = run.completion().join();
        assertThat(run.arrivals()[0]).as("every due iteration started").isEqualTo(run.arrivals()[1]);

        System.out.printf("open model: %d iterations in 3 s at 200/s, %d dropped%n",
                result.totals().iterations(), result.totals().droppedIterations());
        assertThat(result.totals().iterations()).isBetween(594L, 606L);
        assertThat(result.totals().droppedIterations()).isZero();
        assertThat(server.requests()).isEqualTo(result.totals().iterations());
    }

    @Test
    void openModelCountsIterationsItCouldNotStartAsDropped() {
        JobSpec job = job("""
                  - name: saturated
                    rate: 100
                    duration: 2s
                    maxVus: 5
                    steps:
                      - {name: slow, request: {url: "{{base}}/delay/500"}}
                """);

        WorkflowRun run = start(job, "saturated");
        WorkflowResult result = run.completion().join();

        // Started against due: the worker's progress signal (about 10 of 200 here: DEGRADED).
        long[] arrivals = run.arrivals();
        assertThat(arrivals[1] - arrivals[0]).isEqualTo(result.totals().droppedIterations());
        assertThat(io.stampede.model.load.Progress.of(arrivals[0], arrivals[1]))
                .isEqualTo(io.stampede.model.load.Progress.DEGRADED);
        long due = result.totals().iterations() + result.totals().droppedIterations()
                + step(result, "slow").failures().getOrDefault("interrupted", 0L);
        assertThat(server.peakConcurrency()).isLessThanOrEqualTo(5);
        assertThat(result.totals().droppedIterations()).isGreaterThan(150);
        assertThat(due).isBetween(195L, 205L);
    }

    @Test
    void openModelLatencyIncludesTheTimeRequestsWaitedBehindAStalledServer() {
        // One connection, so while the server stalls, due requests queue inside the client. Measured
        // from their intended start, they carry the queueing delay; measured from when they were
        // finally sent they would look fast. That is coordinated omission, and it is corrected.
        JobSpec job = job("""
                  - name: stalled
                    rate: 50
                    duration: 3s
                    http: {connections: 1}
                    steps:
                      - {name: ok, request: {url: "{{base}}/ok"}}
                """);
        WorkflowRun run = start(job, "stalled");
        await().atMost(2, TimeUnit.SECONDS).until(() -> server.requests() >= 25);
        server.stallFor(1_000);

        WorkflowResult result = run.completion().join();

        Histogram latency = LatencyHistograms.decode(step(result, "ok").latency());
        long slow = latency.getCountBetweenValues(500_000, LatencyHistograms.HIGHEST_MICROS);
        System.out.printf("stall of 1 s at 50/s over 1 connection: %d requests over 500 ms, max %.0f ms%n",
                slow, latency.getMaxValue() / 1000.0);
        assertThat(latency.getMaxValue()).isGreaterThan(900_000);
        assertThat(slow).isGreaterThanOrEqualTo(20);
    }

    @Test
    void gracefulStopLetsRequestsFinishThenInterruptsTheRest() {
        JobSpec job = job("""
                  - name: ending
                    vus: 2
                    duration: 300ms
                    gracefulStop: 300ms
                    steps:
                      - {name: quick, request: {url: "{{base}}/delay/100"}}
                      - {name: long, request: {url: "{{base}}/delay/5000"}}
                """);

        long began = System.nanoTime();
        WorkflowResult result = run(job, "ending");
        double seconds = (System.nanoTime() - began) / 1e9;

        assertThat(step(result, "long").failures()).isEqualTo(Map.of("interrupted", 2L));
        assertThat(step(result, "quick").successes()).isEqualTo(2);
        assertThat(seconds).as("ends at duration + grace, not when the slow requests would").isLessThan(3);
        assertThat(result.totals().iterations()).isZero();
    }

    @Test
    void cancellationStopsAllLoadWithinASecond() {
        JobSpec job = job("""
                  - name: long-run
                    vus: 20
                    duration: 1m
                    steps:
                      - {name: ok, request: {url: "{{base}}/delay/50"}}
                      - {name: pause, request: {url: "{{base}}/ok"}, think: 30s}
                """);
        WorkflowRun run = start(job, "long-run");
        await().atMost(5, TimeUnit.SECONDS).until(() -> server.requests() >= 40);

        run.cancel();

        WorkflowResult result = run.completion().orTimeout(1, TimeUnit.SECONDS).join();
        assertThat(result.outcome()).isEqualTo(WorkflowResult.Outcome.CANCELLED);
        long seen = server.requests();
        await().during(300, TimeUnit.MILLISECONDS).atMost(1, TimeUnit.SECONDS)
                .until(() -> server.requests() == seen);
        long counted = result.totals().steps().stream().mapToLong(StepWindow::requests).sum();
        long interrupted = result.totals().steps().stream()
                .mapToLong(step -> step.failures().getOrDefault("interrupted", 0L)).sum();
        assertThat(counted - interrupted).isLessThanOrEqualTo(seen);
    }

    @Test
    void aDependentWorkflowStartsAfterItsDependencyAndUsesItsExports() {
        JobSpec job = job("""
                  - name: browse
                    dependsOn: [login]
                    vus: 2
                    iterations: 2
                    steps:
                      - {name: me, request: {url: "{{base}}/me", headers: {Authorization: "Bearer {{token}}"}}}
                  - name: login
                    vus: 1
                    iterations: 1
                    exports: [token]
                    steps:
                      - name: sign-in
                        request: {method: POST, url: "{{base}}/login", body: {json: {user: "first"}}}
                        extract: [{var: token, jsonPath: $.token}]
                """);
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();

        Map<String, WorkflowResult> results = EngineMain.run(engine, job, new java.io.PrintStream(printed, true));

        assertThat(results.keySet()).containsExactly("login", "browse");
        assertThat(step(results.get("browse"), "me").successes()).isEqualTo(4);
        assertThat(server.authorizations()).containsOnly("Bearer tok-first").hasSize(4);
        assertThat(printed.toString()).contains("RESULT workflow=login requests=1", "RESULT workflow=browse requests=4");
    }

    @Test
    void everyRequestSaysItIsStampedeUnlessTheStepSaysOtherwise() {
        JobSpec job = job("""
                  - name: agents
                    vus: 1
                    iterations: 1
                    steps:
                      - {name: plain, request: {url: "{{base}}/ok"}}
                      - {name: own, request: {url: "{{base}}/ok", headers: {user-agent: "probe/7"}}}
                """);

        assertThat(step(run(job, "agents"), "own").successes()).isEqualTo(1);

        assertThat(server.userAgents()).containsExactlyInAnyOrder("stampede/" + io.stampede.model.Stampede.VERSION,
                "probe/7");
    }

    @Test
    void wallClockTimeComesFromTheInjectedClock() {
        // Fixed years away from now, so a bound or timestamp read from the system clock would show.
        Clock fixed = Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC);
        JobSpec job = job("""
                  - name: stamped
                    vus: 1
                    iterations: 2
                    steps:
                      - {name: me, request: {url: "{{base}}/me", headers: {Authorization: "Bearer {{timestamp}}"}}}
                """);
        List<WorkflowWindow> stampedWindows = new CopyOnWriteArrayList<>();

        WorkflowResult result;
        try (LoadEngine stamped = LoadEngine.standalone(fixed, System::nanoTime)) {
            result = stamped.start(WorkflowShare.whole(job.workflow("stamped").orElseThrow(), job.variables()),
                    stampedWindows::add).completion().join();
        }

        String expected = "Bearer " + fixed.millis();
        assertThat(step(result, "me").requests()).isEqualTo(2);
        assertThat(server.authorizations()).containsExactly(expected, expected);
        assertThat(stampedWindows).isNotEmpty().allSatisfy(window -> {
            assertThat(window.startMillis()).isEqualTo(fixed.millis());
            assertThat(window.endMillis()).isEqualTo(fixed.millis());
        });
    }

    @Test
    void speaksHttp2WithPriorKnowledge() {
        JobSpec job = job("""
                  - name: h2
                    vus: 4
                    iterations: 10
                    http: {version: 2}
                    steps:
                      - {name: ok, request: {url: "{{base}}/ok"}, checks: [{status: 200}]}
                """);

        WorkflowResult result = run(job, "h2");

        assertThat(step(result, "ok").successes()).isEqualTo(40);
        assertThat(server.requestsOver("HTTP_2")).isEqualTo(40);
    }
}
