package io.stampede.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.stampede.local.Processes;

/**
 * {@code stampede local up/status/down} exactly as a user runs them: the packaged command in a
 * fresh directory, real child processes, a real broker.
 */
class LocalClusterTest {

    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(3);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ROW = Pattern.compile(
            "^(gate|manager|worker)\\s+(\\S+)\\s+(\\S+)\\s+(\\d+)\\s+(http://\\S+)\\s+(.+)$", Pattern.MULTILINE);

    @TempDir
    Path directory;

    /** Whatever a test leaves running is stopped by pid, so a failed test leaves nothing behind. */
    @AfterEach
    void stopLeftovers() {
        Command.stampede(directory, COMMAND_TIMEOUT, "local", "down");
        ourProcesses().forEach(process -> Processes.stop(process, Duration.ofSeconds(5)));
    }

    @Test
    void upStatusAndDownTheDefaultClusterLeaveNothingRunning() throws Exception {
        long began = System.nanoTime();
        Command.Result up = Command.stampede(directory, COMMAND_TIMEOUT, "local", "up");
        double upSeconds = (System.nanoTime() - began) / 1e9;
        System.out.printf("local up (1 gate, 2 datacenters x (1 manager + 2 workers)): %.1f s%n", upSeconds);

        assertThat(up.exitCode()).as(up.toString()).isZero();
        assertThat(upSeconds).as("the default cluster is ready within 90 s").isLessThan(90);
        List<Row> rows = rows(up.out());
        assertThat(rows).extracting(Row::id).containsExactly("gate-1",
                "manager-dc1-1", "worker-dc1-1", "worker-dc1-2", "manager-dc2-1", "worker-dc2-1", "worker-dc2-2");
        assertThat(rows).allSatisfy(row -> assertThat(row.state()).isEqualTo("ready"));

        // Each node says who it is, on the URL the table printed.
        for (Row row : rows) {
            JsonNode node = JSON.readTree(get(row.url() + "/api/v1/node"));
            assertThat(node.get("id").asText()).isEqualTo(row.id());
            assertThat(node.get("role").asText()).isEqualTo(row.role());
            assertThat(node.get("pid").asLong()).isEqualTo(row.pid());
            if (!row.role().equals("gate")) {
                assertThat(node.get("datacenter").asText()).isEqualTo(row.datacenter());
            }
        }

        // Every socket every process of the cluster listens on is bound to loopback.
        List<String> bound = new ArrayList<>();
        for (ProcessHandle process : ourProcesses()) {
            bound.addAll(ListeningSockets.of(process.pid()));
        }
        assertThat(bound).as("sockets the cluster listens on").hasSizeGreaterThanOrEqualTo(8 * 2)
                .allMatch(socket -> socket.contains(" 127.0.0.1:"), "bound to 127.0.0.1");
        for (String address : ListeningSockets.nonLoopbackAddresses()) {
            try (java.net.Socket socket = new java.net.Socket()) {
                assertThatThrownBy(() -> socket.connect(new java.net.InetSocketAddress(address, URI.create(rows.get(0).url()).getPort()), 2_000))
                        .as("the gate at " + address).isInstanceOf(IOException.class);
            }
        }

        // The API wants the cluster's key, which the CLI finds in the credentials file by itself. A
        // listing is the gate's lowest-priority work, shed (503, Retry-After) before anything else
        // while the gate judges itself overloaded, as it can just after starting on a busy machine:
        // asked again, the answer is 401.
        java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
        int[] unkeyed = new int[1];
        org.awaitility.Awaitility.await().atMost(30, java.util.concurrent.TimeUnit.SECONDS)
                .pollInterval(Duration.ofSeconds(1)).until(() -> {
                    unkeyed[0] = client.send(HttpRequest.newBuilder(URI.create(rows.get(0).url() + "/api/v1/jobs"))
                            .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                    return unkeyed[0] != 503;
                });
        assertThat(unkeyed[0]).as("without a key").isEqualTo(401);
        Path credentials = directory.resolve(".stampede/local/credentials");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(credentials)))
                .isEqualTo("rw-------");
        Command.Result jobs = Command.stampede(directory, COMMAND_TIMEOUT, Command.WITHOUT_API_KEY, "jobs");
        assertThat(jobs.exitCode()).as(jobs.toString()).isZero();
        assertThat(Command.stampede(directory, COMMAND_TIMEOUT, Command.WITHOUT_API_KEY, "jobs",
                "--gate", rows.get(0).url()).exitCode()).as("a gate named by --gate gets no key of this folder").isOne();
        // The key in STAMPEDE_API_KEY alone: a submission through a gate named by --gate, answered 202.
        Path job = directory.resolve("health.yaml");
        Files.writeString(job, """
                name: health
                workflows:
                  - name: w
                    vus: 1
                    duration: 1s
                    steps:
                      - {name: health, request: {url: "%s/q/health/live"}}
                """.formatted(rows.get(0).url()));
        Command.Result submitted = Command.stampede(directory, COMMAND_TIMEOUT, java.util.Map.of(), "submit",
                job.toString(), "--gate", rows.get(0).url());
        assertThat(submitted.exitCode()).as(submitted.toString()).isZero();
        assertThat(submitted.toString()).contains("submitted job");
        Command.Result wrong = Command.stampede(directory, COMMAND_TIMEOUT,
                java.util.Map.of("STAMPEDE_API_KEY", "stk_not-this-clusters-key-0123456789abcdef0123"), "jobs");
        assertThat(wrong.exitCode()).as("the environment's key comes before the folder's: " + wrong).isOne();
        assertThat(wrong.toString()).as("a key is never echoed").doesNotContain("stk_not-this-clusters-key");
        Properties secrets = new Properties();
        try (var in = Files.newInputStream(credentials)) {
            secrets.load(in);
        }
        String membershipKey = secrets.getProperty("membership-key");
        String recordKey = secrets.getProperty("record-key");
        assertThat(recordKey).as("a record key is generated").hasSizeGreaterThanOrEqualTo(16);
        try (var logs = Files.list(directory.resolve(".stampede/local/logs"))) {
            for (Path log : logs.toList()) {
                assertThat(Files.readString(log)).as(log.toString()).doesNotContain(KeyedHttpClient.KEY)
                        .doesNotContain(membershipKey).doesNotContain(recordKey);
            }
        }
        for (ProcessHandle process : ourProcesses()) {
            assertThat(String.join(" ", process.info().arguments().map(List::of).orElse(List.of())))
                    .doesNotContain(KeyedHttpClient.KEY).doesNotContain("MEMBERSHIP_KEY")
                    .doesNotContain(membershipKey).doesNotContain(recordKey);
        }

        Command.Result status = Command.stampede(directory, COMMAND_TIMEOUT, "local", "status");
        assertThat(status.exitCode()).as(status.toString()).isZero();
        assertThat(rows(status.out())).extracting(Row::pid).containsExactlyElementsOf(rows.stream().map(Row::pid).toList());
        assertThat(status.out()).contains("kafka").contains("running");

        Command.Result again = Command.stampede(directory, COMMAND_TIMEOUT, "local", "up");
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.out()).contains("already running").contains("nothing was changed");
        assertThat(rows(again.out())).extracting(Row::pid).containsExactlyElementsOf(rows.stream().map(Row::pid).toList());
        assertThat(ourProcesses()).hasSize(8);

        Command.Result down = Command.stampede(directory, COMMAND_TIMEOUT, "local", "down");
        assertThat(down.exitCode()).as(down.toString()).isZero();
        assertThat(down.out()).contains("Stopped 8 processes");
        assertThat(ourProcesses()).isEmpty();
        assertThat(directory.resolve(".stampede/local/cluster.json")).doesNotExist();
        assertThat(directory.resolve(".stampede/local/logs/gate-1.log")).exists();
        // A clean start and stop is nothing to alarm anyone: the gate's log has no ERROR line (its results
        // reader used to be interrupted while its Kafka consumer closed, which logged one).
        assertThat(Files.readAllLines(directory.resolve(".stampede/local/logs/gate-1.log")).stream()
                .filter(line -> line.contains(" ERROR ")).toList()).as("ERROR lines in the gate's log").isEmpty();

        Command.Result after = Command.stampede(directory, COMMAND_TIMEOUT, "local", "status");
        assertThat(after.exitCode()).isEqualTo(1);
        assertThat(after.out()).contains("No local cluster is running");
    }

    @Test
    void aClusterWhoseKafkaWantsScramLogsInWithItAndRunsAJobEndToEnd() throws Exception {
        Command.Result up = Command.stampede(directory, COMMAND_TIMEOUT, "local", "up", "--datacenters", "1",
                "--workers-per-dc", "1", "--kafka-auth", "scram");
        assertThat(up.exitCode()).as(up.toString()).isZero();
        String bootstrap = JSON.readTree(directory.resolve(".stampede/local/cluster.json").toFile())
                .get("bootstrapServers").asText();
        io.stampede.model.security.KafkaSecurity scram = io.stampede.cli.local.LocalCluster
                .kafkaSecurity(directory.resolve(".stampede/local"), bootstrap).orElseThrow();
        assertThat(scram.protocol()).isEqualTo("SASL_PLAINTEXT");

        try (io.stampede.testkit.TargetServer target = io.stampede.testkit.TargetServer.start()) {
            Files.writeString(directory.resolve("job.yaml"), """
                    name: over scram
                    workflows:
                      - name: ping
                        vus: 2
                        iterations: 25
                        steps: [{name: get, request: {url: "%s"}}]
                    """.formatted(target.url("/ok")));
            Command.Result run = Command.stampede(directory, COMMAND_TIMEOUT, "run", "job.yaml");
            assertThat(run.exitCode()).as(run.toString()).isZero();
            assertThat(target.requests()).isEqualTo(50);
            String id = run.err().replaceAll("(?s).*submitted job (job-[0-9a-f]+) .*", "$1");

            // The command line follows the job from Kafka with the cluster's own login.
            Command.Result watched = Command.stampede(directory, COMMAND_TIMEOUT, "watch", id, "--kafka", bootstrap,
                    "--wait", "20");
            assertThat(watched.exitCode()).as(watched.toString()).isZero();
            assertThat(watched.out()).contains("COMPLETED");
            // A watch without the cluster's login reads nothing (LocalKafkaTest shows how it is refused).
            Command.Result stranger = Command.stampede(directory, COMMAND_TIMEOUT,
                    java.util.Map.of("STAMPEDE_KAFKA_SECURITY_PROTOCOL", "PLAINTEXT"), "watch", id, "--kafka", bootstrap,
                    "--wait", "5");
            assertThat(stranger.exitCode()).as(stranger.toString()).isNotZero();
            assertThat(stranger.out()).doesNotContain("COMPLETED");
            System.out.printf("over SASL_PLAINTEXT/SCRAM-SHA-256: job %s COMPLETED, %d requests%n", id, target.requests());
        }
        try (var logs = Files.list(directory.resolve(".stampede/local/logs"))) {
            for (Path log : logs.toList()) {
                assertThat(Files.readString(log)).as(log.toString()).doesNotContain(scram.password().orElseThrow());
            }
        }
        for (ProcessHandle process : ourProcesses()) {
            assertThat(String.join(" ", process.info().arguments().map(List::of).orElse(List.of())))
                    .doesNotContain(scram.password().orElseThrow());
        }
    }

    @Test
    void aNodeThatCannotStartStopsEverythingAndShowsItsLog() throws IOException {
        Command.Result up = Command.stampede(directory, COMMAND_TIMEOUT, "local", "up",
                "--datacenters", "1", "--workers-per-dc", "1", "-D", "stampede.node.datacenter=Not_A_Name");

        assertThat(up.exitCode()).as(up.toString()).isEqualTo(1);
        assertThat(up.err())
                .containsPattern("(gate|manager|worker)-\\S+ exited with code 2 before it was ready")
                .contains("last lines of")
                .contains("invalid configuration: stampede.node.datacenter: 'Not_A_Name' is not a datacenter name");
        assertThat(up.out()).contains("Stopping everything that was started");
        assertThat(ourProcesses()).isEmpty();
        assertThat(directory.resolve(".stampede/local/cluster.json")).doesNotExist();
    }

    @Test
    void rejectsAnImpossibleLayoutBeforeStartingAnything() {
        Command.Result up = Command.stampede(directory, COMMAND_TIMEOUT, "local", "up", "--workers-per-dc", "0");

        assertThat(up.exitCode()).isEqualTo(1);
        assertThat(up.err()).contains("--workers-per-dc must be at least 1");
        assertThat(ourProcesses()).isEmpty();
    }

    private record Row(String role, String id, String datacenter, long pid, String url, String state) {
    }

    private static List<Row> rows(String table) {
        List<Row> rows = new ArrayList<>();
        Matcher matcher = ROW.matcher(table);
        while (matcher.find()) {
            rows.add(new Row(matcher.group(1), matcher.group(2), matcher.group(3), Long.parseLong(matcher.group(4)),
                    matcher.group(5), matcher.group(6).trim()));
        }
        return rows;
    }

    private List<ProcessHandle> ourProcesses() {
        return Command.localClusterProcesses(directory);
    }

    private static String get(String url) throws IOException, InterruptedException {
        HttpResponse<String> response = Command.HTTP.send(
                HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }
}
