package io.stampede.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

        Command.Result after = Command.stampede(directory, COMMAND_TIMEOUT, "local", "status");
        assertThat(after.exitCode()).isEqualTo(1);
        assertThat(after.out()).contains("No local cluster is running");
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
