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
import java.util.concurrent.atomic.AtomicInteger;

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

    @Test
    void aWatchThatMeetsABusyGateAsksItAgainAfterItsRetryAfterAndFollowsTheJobToItsEnd() throws IOException {
        AtomicInteger asked = new AtomicInteger();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/v1/jobs/job-1/events", exchange -> {
            if (asked.incrementAndGet() <= 2) {
                exchange.getResponseHeaders().add("Retry-After", "1");
                exchange.sendResponseHeaders(503, -1);
                exchange.close();
                return;
            }
            exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            exchange.getResponseBody().write("data:{\"id\":\"job-1\",\"status\":\"COMPLETED\"}\n\n"
                    .getBytes(StandardCharsets.UTF_8));
            exchange.close();
        });
        server.createContext("/api/v1/jobs/job-2/events", exchange -> {
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
        });
        server.start();
        GateClient client = new GateClient(URI.create("http://127.0.0.1:" + server.getAddress().getPort()));
        List<JsonNode> events = new CopyOnWriteArrayList<>();

        long began = System.nanoTime();
        client.watch("job-1", events::add);
        assertThat(events).singleElement().satisfies(event -> assertThat(event.path("status").asText())
                .isEqualTo("COMPLETED"));
        assertThat(asked.get()).isEqualTo(3);
        assertThat(Duration.ofNanos(System.nanoTime() - began)).as("two waits of the 1 s asked")
                .isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        assertThatThrownBy(() -> client.watch("job-2", events::add)).as("a 503 without Retry-After is no busy gate")
                .hasMessageContaining("the gate answered 503 for job job-2");
    }

    @Test
    void aBusyGateIsAskedAgainAfterItsRetryAfterAndAPermanentRefusalIsNot() throws IOException {
        AtomicInteger asked = new AtomicInteger();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/v1/jobs", exchange -> {
            int n = asked.incrementAndGet();
            byte[] body = (n <= 2 ? "{\"title\":\"Gate overloaded\",\"status\":503}" : "{\"id\":\"job-1\"}")
                    .getBytes(StandardCharsets.UTF_8);
            if (n <= 2) {
                exchange.getResponseHeaders().add("Retry-After", "1");
            }
            exchange.sendResponseHeaders(n <= 2 ? 503 : 202, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.createContext("/api/v1/jobs/job-9", exchange -> {
            asked.incrementAndGet();
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        server.start();
        GateClient client = new GateClient(URI.create("http://127.0.0.1:" + server.getAddress().getPort()));

        long began = System.nanoTime();
        GateClient.Answer answer = client.submit("name: x", "application/yaml", java.util.Optional.empty());
        assertThat(answer.status()).isEqualTo(202);
        assertThat(asked.get()).isEqualTo(3);
        assertThat(Duration.ofNanos(System.nanoTime() - began)).as("two waits of at least the 1 s asked")
                .isGreaterThanOrEqualTo(Duration.ofSeconds(2));

        asked.set(0);
        assertThat(client.job("job-9").status()).isEqualTo(404);
        assertThat(asked.get()).as("a 404 is not retried").isEqualTo(1);
    }

    @Test
    void aGateThatStaysBusyIsAskedThreeMoreTimesThenItsAnswerIsReturned() throws IOException {
        AtomicInteger asked = new AtomicInteger();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/v1/jobs", exchange -> {
            asked.incrementAndGet();
            exchange.getResponseHeaders().add("Retry-After", "0");
            exchange.sendResponseHeaders(429, -1);
            exchange.close();
        });
        server.start();
        GateClient client = new GateClient(URI.create("http://127.0.0.1:" + server.getAddress().getPort()));

        assertThat(client.submit("name: x", "application/yaml", java.util.Optional.empty()).status()).isEqualTo(429);
        assertThat(asked.get()).isEqualTo(4);
    }

    @Test
    void retryAfterIsReadInSecondsAndCapped() {
        assertThat(GateClient.seconds("3")).contains(Duration.ofSeconds(3));
        assertThat(GateClient.seconds(" 120 ")).contains(Duration.ofSeconds(GateClient.MAX_RETRY_AFTER_SECONDS));
        assertThat(GateClient.seconds("Wed, 21 Oct 2026 07:28:00 GMT")).isEmpty();
        assertThat(GateClient.seconds("-1")).isEmpty();
    }
}
