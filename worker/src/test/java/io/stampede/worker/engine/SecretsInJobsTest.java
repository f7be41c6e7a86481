package io.stampede.worker.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.stampede.model.job.JobSpec;
import io.stampede.model.job.JobSpecParser;
import io.stampede.model.security.TargetPolicy;
import io.stampede.model.stats.StepWindow;
import io.stampede.model.stats.WorkflowWindow;
import io.stampede.testkit.TargetServer;
import io.vertx.core.Vertx;

/**
 * {@code {{secret:name}}}: the worker fills it in from its environment or a mounted file, the
 * target receives the value, a redirect to another host does not, and nothing the job's records
 * carry (its spec, its windows) holds it.
 */
class SecretsInJobsTest {

    static final String VALUE = "tok-4f9c2e-not-in-any-record";
    static Vertx vertx;
    static TargetServer server;
    static TargetServer other;
    @TempDir
    static Path mounted;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        server = TargetServer.start();
        other = TargetServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
        other.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @Test
    void aSecretIsSentToTheTargetAndIsInNoRecordAndAnUnknownOneIsCountedNotSent() throws Exception {
        Files.writeString(mounted.resolve("api_token"), VALUE + "\n");
        WorkerSecrets secrets = new WorkerSecrets(Map.of("STAMPEDE_SECRET_OTHER", "from-the-environment",
                "STAMPEDE_SECRET_SHOUTED", "TOK-IN-CAPITALS"), Optional.of(mounted));
        assertThat(secrets.apply("other")).isEqualTo("from-the-environment");
        assertThat(secrets.apply("nowhere")).isNull();
        String yaml = """
                name: secret
                workflows:
                  - name: w
                    vus: 1
                    iterations: 5
                    steps:
                      - name: me
                        request: {url: "http://127.0.0.1:%d/me", headers: {Authorization: "Bearer {{secret:api_token}}"}}
                        checks: [{status: 200}]
                      - name: unknown
                        request: {url: "http://127.0.0.1:%d/ok?key={{secret:nowhere}}"}
                      - name: elsewhere
                        request:
                          url: "http://127.0.0.1:%d/redirect?to=http://127.0.0.1:%d/me"
                          headers: {Authorization: "Bearer {{secret:api_token}}"}
                      - name: in the host
                        request: {url: "http://{{secret:api_token}}.example.com/x"}
                      - name: in the host, in capitals
                        request: {url: "http://{{secret:shouted}}.example.com/x"}
                """.formatted(server.port(), server.port(), server.port(), other.port());
        JobSpec job = JobSpecParser.parse(yaml);
        List<WorkflowWindow> windows = new CopyOnWriteArrayList<>();
        try (LoadEngine engine = new LoadEngine(vertx, 1, Clock.systemUTC(), System::nanoTime,
                TargetPolicy.of(List.of(), List.of(), true, false).policy(), secrets)) {
            WorkflowResult result = engine.start(WorkflowShare.whole(job.workflow("w").orElseThrow(), job.variables())
                    .withWindow(Duration.ofMillis(100)), windows::add).completion().join();
            StepWindow me = result.totals().steps().get(0);
            assertThat(me.successes()).isEqualTo(5);
            assertThat(server.authorizations()).hasSize(5).containsOnly("Bearer " + VALUE);
            assertThat(result.totals().steps().get(1).notSent()).containsOnly(Map.entry("missing_secret:nowhere", 5L));
            assertThat(server.requests("/ok")).isZero();
            // Redirected to another server (another port), the request goes without its credentials.
            StepWindow elsewhere = result.totals().steps().get(2);
            assertThat(server.requests("/redirect")).isEqualTo(5);
            assertThat(other.requests("/me")).isEqualTo(5);
            assertThat(other.authorizations()).isEmpty();
            assertThat(elsewhere.failures()).containsOnly(Map.entry("http_4xx", 5L));
            // Never looked up: the name server of example.com would learn the secret.
            assertThat(result.totals().steps().get(3).notSent()).containsOnly(Map.entry("secret_in_host:api_token", 5L));
            assertThat(result.totals().steps().get(4).notSent()).containsOnly(Map.entry("secret_in_host:shouted", 5L));
        }
        // What travels: the job as written, and every window of statistics.
        assertThat(yaml).doesNotContain(VALUE);
        for (WorkflowWindow window : windows) {
            assertThat(window.toString()).doesNotContain(VALUE);
        }
    }

    @Test
    void aSecretBoundToHostsGoesToThemOnlyAndIsNeverRedirectedElsewhere(@TempDir Path directory) throws Exception {
        Files.writeString(directory.resolve("api_token"), VALUE);
        Files.writeString(directory.resolve("api_token.hosts"), "# where the token is for\n127.0.0.1\n");
        WorkerSecrets secrets = new WorkerSecrets(Map.of("STAMPEDE_SECRET_OTHER", "x",
                "STAMPEDE_SECRETS_HOSTS_OTHER", "*.example.com, a value pasted here", "STAMPEDE_SECRET_HOSTS_UNBOUND",
                "the value of a secret named hosts_unbound"), Optional.of(directory));
        assertThat(secrets.hosts("api_token")).hasValueSatisfying(binding -> assertThat(binding.problems()).isEmpty());
        assertThat(secrets.hosts("other")).hasValueSatisfying(binding -> assertThat(binding.problems())
                .containsExactly("STAMPEDE_SECRETS_HOSTS_OTHER: entry 2 is neither a host name, *.domain, an address"
                        + " nor a CIDR"));
        assertThat(secrets.hosts("unbound")).as("another secret's value is never read as hosts").isEmpty();
        TargetServer home = TargetServer.start();
        // Another host: the same machine at 127.0.0.2.
        TargetServer elsewhere = TargetServer.start("127.0.0.2");
        String yaml = """
                name: bound
                workflows:
                  - name: w
                    vus: 1
                    iterations: 4
                    steps:
                      - name: its host
                        request: {url: "http://127.0.0.1:%d/me", headers: {Authorization: "Bearer {{secret:api_token}}"}}
                      - name: another host
                        request: {url: "http://127.0.0.2:%d/me?token={{secret:api_token}}"}
                      - name: redirected
                        request:
                          method: POST
                          url: "http://127.0.0.1:%d/redirect?to=http://127.0.0.2:%d/me"
                          body: {text: "token={{secret:api_token}}"}
                      - name: no secret
                        request: {url: "http://127.0.0.2:%d/ok"}
                """.formatted(home.port(), elsewhere.port(), home.port(), elsewhere.port(), elsewhere.port());
        JobSpec job = JobSpecParser.parse(yaml);
        try (TargetServer closeHome = home; TargetServer closeElsewhere = elsewhere;
                LoadEngine engine = new LoadEngine(vertx, 1, Clock.systemUTC(), System::nanoTime,
                TargetPolicy.of(List.of(), List.of(), true, false).policy(), secrets)) {
            WorkflowResult result = engine.start(WorkflowShare.whole(job.workflow("w").orElseThrow(), job.variables())
                    .withWindow(Duration.ofMillis(100)), windows -> { }).completion().join();
            List<StepWindow> steps = result.totals().steps();
            assertThat(steps.get(0).successes()).isEqualTo(4);
            assertThat(home.authorizations()).hasSize(4).containsOnly("Bearer " + VALUE);
            assertThat(steps.get(1).notSent()).containsOnly(Map.entry("secret_not_for_host:api_token", 4L));
            // The redirect is the response: not followed with the secret in its body.
            assertThat(home.requests("/redirect")).isEqualTo(4);
            assertThat(steps.get(2).requests()).isEqualTo(4);
            assertThat(elsewhere.requests("/me")).isZero();
            assertThat(steps.get(3).successes()).as("a step without the secret goes anywhere targets may").isEqualTo(4);
        }
    }
}
