package io.stampede.cli.gate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

import io.stampede.cli.ExitCodes;
import io.stampede.cli.Main;
import picocli.CommandLine;

/** What `stampede submit` prints and exits with when a real HTTP gate refuses the job with 403. */
class SubmitRefusedTest {

    private final AtomicReference<String> answer = new AtomicReference<>();
    private HttpServer server;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private int submit(Path job) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/v1/jobs", exchange -> {
            byte[] body = answer.get().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/problem+json");
            exchange.sendResponseHeaders(403, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        CommandLine command = Main.commandLine();
        command.setOut(new PrintWriter(out));
        command.setErr(new PrintWriter(err));
        return command.execute("submit", "--gate", "http://127.0.0.1:" + server.getAddress().getPort(), job.toString());
    }

    @Test
    void aJobOverTheKeysLimitsIsAProblemOfTheJobFileWithEachExcessPrinted(@TempDir Path directory) throws IOException {
        Path job = Files.writeString(directory.resolve("job.yaml"), "name: big\n");
        answer.set("{\"title\":\"Over this caller's limits\",\"status\":403,\"detail\":\"the job asks for more load than"
                + " 'ci' may (docs/security.md)\",\"errors\":[{\"path\":\"timeout\",\"message\":\"1h is longer than"
                + " this caller's limit of 10m\"}]}");

        assertThat(submit(job)).isEqualTo(ExitCodes.INVALID_JOB);
        assertThat(err.toString()).contains("Over this caller's limits", "  timeout: 1h is longer than this caller's"
                + " limit of 10m");
    }

    @Test
    void aKeyWithoutTheRoleIsAFailureNotAProblemOfTheFile(@TempDir Path directory) throws IOException {
        Path job = Files.writeString(directory.resolve("job.yaml"), "name: big\n");
        answer.set("{\"title\":\"Forbidden\",\"status\":403,\"detail\":\"this API key does not have the role submit\"}");

        assertThat(submit(job)).isEqualTo(ExitCodes.FAILURE);
        assertThat(err.toString()).contains("Forbidden");
    }
}
