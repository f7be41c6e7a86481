package io.stampede.cli.gate;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The gate's REST API, as the command line uses it. */
public final class GateClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1).build();

    public GateClient(URI base) {
        this.base = base;
    }

    public URI base() {
        return base;
    }

    /** The gate could not be reached at all. */
    public static final class UnreachableException extends RuntimeException {
        public UnreachableException(URI base, Throwable cause) {
            super("cannot reach the gate at " + base + ": " + cause.getClass().getSimpleName()
                    + (cause.getMessage() == null ? "" : " " + cause.getMessage()), cause);
        }
    }

    /** An answer: status code and body as JSON (null when empty). */
    public record Answer(int status, JsonNode body) {
        public boolean ok() {
            return status >= 200 && status < 300;
        }

        /** A problem answer in one line, with every listed error on its own indented line. */
        public String problem() {
            if (body == null) {
                return "HTTP " + status;
            }
            StringBuilder text = new StringBuilder(body.path("title").asText("HTTP " + status));
            if (body.hasNonNull("detail")) {
                text.append(": ").append(body.get("detail").asText());
            }
            for (JsonNode error : body.path("errors")) {
                text.append("\n  ").append(error.path("path").asText()).append(": ").append(error.path("message").asText());
            }
            return text.toString();
        }
    }

    public Answer submit(String body, String contentType, Optional<String> idempotencyKey) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve("/api/v1/jobs"))
                .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofString(body));
        idempotencyKey.ifPresent(key -> request.header("Idempotency-Key", key));
        return send(request);
    }

    public Answer job(String id) {
        return send(HttpRequest.newBuilder(base.resolve("/api/v1/jobs/" + id)).GET());
    }

    public Answer jobs(String status, int page, int size) {
        String query = "?page=" + page + "&size=" + size + (status == null ? "" : "&status=" + status);
        return send(HttpRequest.newBuilder(base.resolve("/api/v1/jobs" + query)).GET());
    }

    /** GET of any path of the gate. */
    public Answer send(URI uri) {
        return send(HttpRequest.newBuilder(uri).GET());
    }

    public Answer cancel(String id) {
        return send(HttpRequest.newBuilder(base.resolve("/api/v1/jobs/" + id)).DELETE());
    }

    /** Follows a job's Server-Sent Events, handing each to {@code events} until the stream ends. */
    public void watch(String id, Consumer<JsonNode> events) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/api/v1/jobs/" + id + "/events"))
                .header("Accept", "text/event-stream").GET().build();
        try {
            HttpResponse<Stream<String>> response = http.send(request, HttpResponse.BodyHandlers.ofLines());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("the gate answered " + response.statusCode() + " for job " + id);
            }
            try (Stream<String> lines = response.body()) {
                lines.filter(line -> line.startsWith("data:")).forEach(line -> events.accept(parse(line.substring(5))));
            }
        } catch (IOException e) {
            throw new UnreachableException(base, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while watching job " + id);
        }
    }

    private Answer send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            String body = response.body();
            return new Answer(response.statusCode(), body == null || body.isBlank() ? null : parse(body));
        } catch (ConnectException e) {
            throw new UnreachableException(base, e);
        } catch (IOException e) {
            throw new UnreachableException(base, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    private static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            return JSON.createObjectNode().put("detail", text.strip());
        }
    }

    /**
     * The gate to use: {@code --gate}, else {@code STAMPEDE_GATE}, else the first gate of a local
     * cluster started in this directory, else {@code http://127.0.0.1:8080}.
     */
    public static URI locate(String option) {
        if (option != null && !option.isBlank()) {
            return URI.create(option);
        }
        String environment = System.getenv("STAMPEDE_GATE");
        if (environment != null && !environment.isBlank()) {
            return URI.create(environment);
        }
        Path state = Path.of(".stampede/local/cluster.json");
        if (Files.isRegularFile(state)) {
            try {
                for (JsonNode node : JSON.readTree(state.toFile()).path("nodes")) {
                    if (node.path("role").asText().equals("gate")) {
                        return URI.create("http://127.0.0.1:" + node.path("httpPort").asInt());
                    }
                }
            } catch (IOException e) {
                // Fall through to the default.
            }
        }
        return URI.create("http://127.0.0.1:8080");
    }
}
