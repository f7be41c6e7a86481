package io.stampede.worker.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.stampede.local.Processes;
import io.stampede.model.job.JobSpec;
import io.stampede.model.job.JobSpecParser;
import io.stampede.model.stats.StepWindow;
import io.stampede.testkit.TargetServer;

/** HTTPS against a target with a self-signed certificate: refused unless the workflow opts in. */
class TlsTest {

    @TempDir
    static Path directory;

    static TargetServer server;
    static LoadEngine engine;

    @BeforeAll
    static void start() throws Exception {
        Path keyStore = directory.resolve("target.jks");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "target", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1", "-keystore", keyStore.toString(),
                "-storetype", "JKS", "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
            Processes.stop(keytool.toHandle(), Duration.ofSeconds(1));
            throw new IllegalStateException("keytool failed: " + new String(keytool.getInputStream().readAllBytes()));
        }
        server = TargetServer.startTls(keyStore.toString(), "changeit");
        engine = LoadEngine.standalone();
    }

    @AfterAll
    static void stop() {
        if (engine != null) {
            engine.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private StepWindow run(String http) {
        JobSpec job = JobSpecParser.parse("""
                name: tls
                workflows:
                  - name: secure
                    vus: 2
                    iterations: 3
                    http: %s
                    steps:
                      - {name: ok, request: {url: "https://127.0.0.1:%d/ok"}}
                """.formatted(http, server.port()));
        WorkflowResult result = engine.start(WorkflowShare.whole(job.workflows().get(0), Map.of()), window -> { })
                .completion().join();
        return result.totals().steps().get(0);
    }

    @Test
    void anUntrustedCertificateFailsAsTls() {
        StepWindow step = run("{version: '1.1'}");

        assertThat(step.requests()).isEqualTo(6);
        assertThat(step.failures()).isEqualTo(Map.of("tls", 6L));
    }

    @Test
    void insecureTlsTrustsTheTestTarget() {
        assertThat(run("{insecureTls: true}").successes()).isEqualTo(6);
    }

    @Test
    void http2IsNegotiatedThroughAlpn() {
        long before = server.requestsOver("HTTP_2");
        assertThat(run("{insecureTls: true, version: 2}").successes()).isEqualTo(6);
        assertThat(server.requestsOver("HTTP_2") - before).isEqualTo(6);
    }
}
