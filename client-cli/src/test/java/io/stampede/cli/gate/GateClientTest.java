package io.stampede.cli.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;

class GateClientTest {

    private final CountDownLatch release = new CountDownLatch(1);
    private HttpServer server;

    @AfterEach
    void stop() {
        release.countDown();
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void aGateWhoseEventStreamGoesSilentCountsAsLostAndTheWatchEndsInsteadOfHanging() throws IOException {
        // A gate that sends the job once, then nothing, holding the stream open.
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/api/v1/jobs/job-1/events", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            OutputStream body = exchange.getResponseBody();
            body.write("data:{\"id\":\"job-1\",\"status\":\"RUNNING\"}\n\n".getBytes(StandardCharsets.UTF_8));
            body.flush();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        server.start();
        GateClient client = new GateClient(List.of(URI.create("http://127.0.0.1:" + server.getAddress().getPort())),
                Duration.ofMillis(500));
        List<JsonNode> events = new CopyOnWriteArrayList<>();

        assertThatThrownBy(() -> client.watch("job-1", events::add))
                .isInstanceOf(GateClient.UnreachableException.class).hasMessageContaining("nothing heard for 0.5 s");
        // Followed again after each silence, a bounded number of times.
        assertThat(events).hasSize(5).allSatisfy(event -> assertThat(event.path("status").asText()).isEqualTo("RUNNING"));
    }
}
