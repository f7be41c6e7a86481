package io.stampede.worker.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.stampede.model.job.JobSpec;
import io.stampede.model.job.JobSpecParser;
import io.stampede.model.security.TargetPolicy;
import io.stampede.model.stats.StepWindow;
import io.stampede.testkit.TargetServer;
import io.vertx.core.Vertx;

/**
 * A worker's engine under a target policy that denies 127.0.0.2, with two real servers: one it may
 * load, one it may not (listening on 127.0.0.2). A request, a redirect and a URL extracted at run
 * time that lead to the denied one are counted as {@code denied}, and it receives nothing.
 */
class TargetPolicyEnforcementTest {

    static Vertx vertx;
    static LoadEngine engine;
    static TargetServer allowed;
    static TargetServer denied;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        engine = new LoadEngine(vertx, 1, Clock.systemUTC(), System::nanoTime,
                TargetPolicy.of(List.of(), List.of("127.0.0.2/32"), true, false).policy(),
                new WorkerSecrets(Map.of(), Optional.empty()));
        allowed = TargetServer.start();
        denied = TargetServer.start("127.0.0.2");
    }

    @AfterAll
    static void stop() {
        engine.close();
        allowed.close();
        denied.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    private static Map<String, StepWindow> run(String steps) {
        JobSpec job = JobSpecParser.parse("""
                name: guarded
                variables: {ok: 'http://127.0.0.1:%d', no: 'http://127.0.0.2:%d'}
                workflows:
                  - name: w
                    vus: 1
                    duration: 1s
                    steps:
                %s""".formatted(allowed.port(), denied.port(), steps.indent(6)));
        WorkflowResult result = engine.start(WorkflowShare.whole(job.workflow("w").orElseThrow(), job.variables())
                .withWindow(Duration.ofMillis(200)), window -> { }).completion().join();
        return result.totals().steps().stream().collect(java.util.stream.Collectors.toMap(StepWindow::step, step -> step));
    }

    @Test
    void aDeniedTargetARedirectThereAndAUrlFoundAtRunTimeAreCountedAsDeniedAndNeverSent() throws Exception {
        // The denied server answers whoever reaches it: only the policy keeps the engine's requests away.
        HttpResponse<Void> reachable = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(denied.url("/ok"))).build(), HttpResponse.BodyHandlers.discarding());
        assertThat(reachable.statusCode()).isEqualTo(200);
        assertThat(denied.requests()).isEqualTo(1);

        Map<String, StepWindow> steps = run("""
                - {name: direct, request: {url: "{{no}}/ok"}}
                - {name: metadata, request: {url: "http://169.254.169.254/latest/meta-data/"}}
                - {name: redirected, request: {url: "{{ok}}/redirect?to={{no}}/ok"}}
                - name: find
                  request: {url: "{{ok}}/link?to={{no}}/ok"}
                  extract: [{var: next, jsonPath: $.next}]
                - {name: follow, request: {url: "{{next}}"}}
                - {name: fine, request: {url: "{{ok}}/ok"}}
                """);

        assertThat(denied.requests()).as("requests that reached the denied server, besides the test's own").isEqualTo(1);
        assertThat(steps.get("direct").notSent()).containsOnlyKeys("denied");
        assertThat(steps.get("direct").requests()).isZero();
        assertThat(steps.get("metadata").notSent()).containsOnlyKeys("denied");
        assertThat(steps.get("follow").notSent()).containsOnlyKeys("denied");
        StepWindow redirected = steps.get("redirected");
        assertThat(redirected.requests()).isPositive();
        assertThat(redirected.failures()).containsOnlyKeys("denied").containsEntry("denied", redirected.requests());
        assertThat(steps.get("fine").failures()).isEmpty();
        assertThat(steps.get("fine").successes()).isPositive();
        assertThat(allowed.requests("/redirect")).isEqualTo(redirected.requests());
    }
}
