package io.stampede.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.stampede.control.v1.DatacenterControlGrpc;
import io.stampede.control.v1.ProbeAnswer;
import io.stampede.control.v1.ProbeRequest;
import io.stampede.gate.probes.DatacenterProbes;
import io.stampede.node.config.ControlTls;
import io.stampede.local.Certificates;
import io.stampede.testkit.TargetServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.common.GrpcStatus;

/**
 * The gates' probes over mutual TLS on real processes (docs/security.md#probes-over-mutual-tls):
 * a local cluster started with {@code --tls control,raft}, whose nodes are given the certificates
 * it makes. The gate probes its datacenter over TLS and a job routed by those probes completes,
 * also after the manager's restart; the manager answers probes only on its control port, bound to
 * loopback, and only to callers with a certificate of the trusted authority: a plain probe on its
 * HTTP port is refused, and so are TLS callers with no certificate or another authority's.
 */
class ProbeTlsTest {

    static Path directory;
    static TargetServer target;
    static String gateUrl;
    static Certificates.Issued node;
    static Vertx vertx;

    @BeforeAll
    static void startCluster() throws Exception {
        directory = Files.createTempDirectory("stampede-probe-tls-");
        target = TargetServer.start();
        vertx = Vertx.vertx();
        Command.Result up = Command.stampede(directory, Duration.ofMinutes(3), "local", "up", "--datacenters", "1",
                "--workers-per-dc", "1", "--tls", "control,raft");
        assertThat(up.exitCode()).as(up.toString()).isZero();
        Path tls = directory.resolve(".stampede/local/tls");
        assertThat(up.out()).contains("The gates' probes run and Raft runs (experimental) over mutual TLS, with"
                + " certificates valid for 365 days in " + tls + " (private keys mode 600).");
        // The files the nodes were given, which the test's own probes present too.
        JsonNode manager = Command.node(directory, "manager-dc1-1");
        node = new Certificates.Issued(Path.of(setting(manager, "stampede.control.tls.certificate")),
                Path.of(setting(manager, "stampede.control.tls.private-key")),
                Path.of(setting(manager, "stampede.control.tls.trust")));
        assertThat(node.certificate()).startsWith(tls);
        assertThat(setting(manager, "stampede.leadership.tls.trust")).as("Raft's authority is its own")
                .startsWith(tls.toString()).isNotEqualTo(node.trust().toString());
        // Only the PEM files stay; the directory and the private keys are the owner's only.
        assertThat(Files.getPosixFilePermissions(tls)).containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ,
                PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);
        try (var files = Files.list(tls)) {
            assertThat(files.map(file -> file.getFileName().toString())).allMatch(file -> file.endsWith(".pem"));
        }
        assertThat(Files.getPosixFilePermissions(node.privateKey())).containsExactlyInAnyOrder(
                PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        gateUrl = "http://127.0.0.1:" + Command.node(directory, "gate-1").get("httpPort").asInt();
    }

    @AfterAll
    static void stopCluster() {
        if (vertx != null) {
            vertx.close();
        }
        Command.stopCluster(directory, target);
    }

    @Test
    void theGateProbesOverMutualTlsAndTheManagerAnswersNoOneElse() throws Exception {
        JsonNode manager = Command.node(directory, "manager-dc1-1");
        int control = controlPort(manager);
        Path managerLog = log(manager);
        Path gateLog = log(Command.node(directory, "gate-1"));
        assertThat(Files.readString(managerLog)).contains("gates' probes are answered over mutual TLS on 127.0.0.1:"
                + control + " only");
        assertThat(Files.readString(gateLog))
                .contains("datacenters are probed over mutual TLS")
                .containsPattern("leadership: gates at 127\\.0\\.0\\.1:\\d+ .* over mutual TLS");
        assertThat(Files.readString(managerLog)).containsPattern("leadership: dc/dc1 at .* over mutual TLS");

        // The gate's probes are answered: the datacenter is reachable, with round trips measured.
        await().atMost(60, TimeUnit.SECONDS).pollInterval(Duration.ofSeconds(1)).until(() -> {
            JsonNode dc = Command.getJson(gateUrl + "/api/v1/datacenters").get(0);
            return dc.get("rttSamples").asInt() >= 3 && dc.get("reachability").asText().equals("REACHABLE");
        });
        assertThat(Files.readString(gateLog))
                .doesNotContain("probe of datacenter dc1");

        // A caller with a certificate of the authority gets the answer, with the leader's control address.
        ProbeAnswer answer = probe(DatacenterProbes.clientOptions(tls(node)), control).toCompletionStage()
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(answer.getDatacenter()).isEqualTo("dc1");
        assertThat(answer.getLeader()).isTrue();
        assertThat(answer.getLeaderAddress()).isEqualTo("127.0.0.1:" + control);

        // A plain probe on the HTTP port is refused, naming where probes are answered.
        int http = manager.get("httpPort").asInt();
        Throwable plain = failure(probe(new HttpClientOptions(), http));
        assertThat(plain).hasMessageContaining("PERMISSION_DENIED")
                .hasMessageContaining("over mutual TLS on port " + control);

        // TLS without a certificate, or with another authority's, gets no answer.
        HttpClientOptions anonymous = new HttpClientOptions().setSsl(true).setUseAlpn(true)
                .setTrustOptions(new io.vertx.core.net.PemTrustOptions().addCertPath(node.trust().toString()));
        assertRefusedInTheHandshake(failure(probe(anonymous, control)));
        Certificates.Issued stranger = Certificates.authority(directory, "stranger", Duration.ofDays(2))
                .issue("stranger");
        HttpClientOptions foreign = DatacenterProbes.clientOptions(new ControlTls(Optional.of(
                stranger.certificate().toString()), Optional.of(stranger.privateKey().toString()),
                Optional.of(node.trust().toString()), 0, "127.0.0.1"));
        assertRefusedInTheHandshake(failure(probe(foreign, control)));

        // The control port listens on loopback only.
        long pid = manager.get("process").get("pid").asLong();
        assertThat(ListeningSockets.of(pid)).anyMatch(socket -> socket.endsWith(" 127.0.0.1:" + control))
                .allMatch(socket -> socket.contains(" 127.0.0.1:"), "bound to 127.0.0.1");

        // A manager restarted under its id answers over TLS again, and the gate reaches it again.
        Command.Result restarted = Command.stampede(directory, Duration.ofMinutes(3), "local", "restart",
                "manager-dc1-1");
        assertThat(restarted.exitCode()).as(restarted.toString()).isZero();
        assertThat(Files.readString(managerLog).split("gates' probes are answered over mutual TLS on 127\\.0\\.0\\.1:"
                + control + " only", -1)).as("the line, once per start").hasSize(3);
        await().atMost(60, TimeUnit.SECONDS).pollInterval(Duration.ofSeconds(1)).until(() -> Command.getJson(
                gateUrl + "/api/v1/datacenters").get(0).get("reachability").asText().equals("REACHABLE"));

        // And a job routed by those probes runs end to end.
        String id = Command.submit(gateUrl, """
                name: probed-over-tls
                workflows:
                  - name: once
                    vus: 1
                    iterations: 5
                    steps: [{name: get, request: {url: "%s"}}]
                """.formatted(target.url("/ok")));
        JsonNode ended = Command.ended(gateUrl, id, Duration.ofMinutes(1), directory);
        assertThat(ended.get("status").asText()).isEqualTo("COMPLETED");
        assertThat(target.requests("/ok")).isEqualTo(5);
    }

    private static Path log(JsonNode node) {
        return Path.of(java.net.URI.create(node.get("log").asText()));
    }

    /** The value of {@code -D<name>=} on a node's command line. */
    private static String setting(JsonNode node, String name) {
        for (JsonNode argument : node.get("command")) {
            if (argument.asText().startsWith("-D" + name + "=")) {
                return argument.asText().substring(name.length() + 3);
            }
        }
        throw new AssertionError(node.get("id") + " was not given " + name + ": " + node.get("command"));
    }

    private static int controlPort(JsonNode manager) {
        return Integer.parseInt(setting(manager, "stampede.ports.control"));
    }

    private static ControlTls tls(Certificates.Issued issued) {
        return new ControlTls(Optional.of(issued.certificate().toString()), Optional.of(issued.privateKey().toString()),
                Optional.of(issued.trust().toString()), 0, "127.0.0.1");
    }

    /** One probe of dc1 at 127.0.0.1:{@code port}; a status other than OK fails it, naming the status. */
    private static Future<ProbeAnswer> probe(HttpClientOptions options, int port) {
        GrpcClient client = GrpcClient.client(vertx, options);
        return client.request(SocketAddress.inetSocketAddress(port, "127.0.0.1"), DatacenterControlGrpc.getProbeMethod())
                .compose(call -> call.send(ProbeRequest.newBuilder().setGate("test").setDatacenter("dc1").build()))
                .compose(response -> response.last().<ProbeAnswer>transform(last -> {
                    if (last.failed() && response.status() == null) {
                        return Future.failedFuture(last.cause()); // the stream broke before any status
                    }
                    if (last.succeeded() && (response.status() == null || response.status() == GrpcStatus.OK)) {
                        return Future.succeededFuture(last.result());
                    }
                    return Future.failedFuture(new GrpcAnswer(response.status().name() + ": " + response.statusMessage()));
                }))
                .onComplete(done -> client.close());
    }

    /** A probe the manager answered with a status other than OK. */
    private static final class GrpcAnswer extends RuntimeException {
        GrpcAnswer(String message) {
            super(message);
        }
    }

    /**
     * The probe failed before any gRPC answer: the TLS handshake failed or the manager closed the
     * connection (under TLS 1.3 the client learns of a refused certificate only after its request).
     */
    private static void assertRefusedInTheHandshake(Throwable failure) {
        assertThat(failure).as("refused by TLS, not answered").isNotInstanceOf(GrpcAnswer.class);
        boolean tls = false;
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            String message = String.valueOf(cause.getMessage()).toLowerCase(java.util.Locale.ROOT);
            tls |= cause instanceof javax.net.ssl.SSLException || message.contains("certificate")
                    || message.contains("handshake") || message.contains("closed") || message.contains("reset");
        }
        assertThat(tls).as("a TLS refusal: %s", failure).isTrue();
    }

    /** What a probe failed with, within 10 s; fails the test when it was answered. */
    private static Throwable failure(Future<ProbeAnswer> probe) {
        try {
            ProbeAnswer answer = probe.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            throw new AssertionError("answered: " + answer);
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
            throw new AssertionError("no answer and no failure within 10 s", e);
        }
    }
}
