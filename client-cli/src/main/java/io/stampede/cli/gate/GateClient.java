package io.stampede.cli.gate;

import io.stampede.cli.JobStatuses;
import io.stampede.cli.UsageException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.stampede.model.load.Backoff;

/**
 * The gates' REST API, as the command line uses it. Any gate answers for any job: when the
 * gate in use cannot be reached, the next one is tried, and a job being watched is followed
 * through another gate.
 */
public final class GateClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Rounds over every gate a watch makes before giving up. */
    private static final int WATCH_ROUNDS = 5;
    private static final Duration WATCH_RETRY_PAUSE = Duration.ofMillis(500);
    /**
     * How many busy answers in a row (429 or 503 with {@code Retry-After}) a watch takes, each
     * waited for as long as the gate asked, before it gives up: a gate judged overloaded for a
     * minute is waited out.
     */
    static final int WATCH_BUSY_RETRIES = 30;
    /** How long a job's event stream may stay silent before the gate counts as lost. */
    static final Duration WATCH_IDLE = Duration.ofSeconds(30);
    private static final Duration CHECK_EVERY = Duration.ofMillis(250);

    /** The longest Retry-After honoured, in seconds: a longer one is waited for this long. */
    static final long MAX_RETRY_AFTER_SECONDS = 30;

    /** The local cluster's state in this folder, which names its gates. */
    private static final Path LOCAL_STATE = Path.of(".stampede/local/cluster.json");

    private final List<URI> gates;
    private final Duration watchIdle;
    private final Backoff backoff = Backoff.DEFAULT;
    private final SplittableRandom random = new SplittableRandom();
    private volatile int current;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1).build();

    /** The API key sent with every request, if any (never printed). */
    private final Optional<String> apiKey;

    public GateClient(URI base) {
        this(List.of(base));
    }

    public GateClient(List<URI> gates) {
        this(gates, WATCH_IDLE, Optional.empty());
    }

    /** With another limit on a silent event stream (tests). */
    GateClient(List<URI> gates, Duration watchIdle) {
        this(gates, watchIdle, Optional.empty());
    }

    private GateClient(List<URI> gates, Duration watchIdle, Optional<String> apiKey) {
        if (gates.isEmpty()) {
            throw new IllegalArgumentException("no gate to talk to");
        }
        this.gates = List.copyOf(gates);
        this.watchIdle = watchIdle;
        this.apiKey = apiKey;
    }

    /**
     * The gates {@code option} names ({@link #locate}), with the API key {@link Credentials} finds
     * for them: the local cluster's key only when they are the local cluster's gates.
     */
    public static GateClient of(String option) {
        Located located = locate(option);
        return new GateClient(located.gates(), WATCH_IDLE, Credentials.apiKey(located.local()
                ? Optional.of(LOCAL_STATE.getParent()) : Optional.empty()));
    }

    /** A request to the gate with this client's key. */
    private HttpRequest.Builder authorized(HttpRequest.Builder request) {
        apiKey.ifPresent(key -> request.header("Authorization", "Bearer " + key));
        return request;
    }

    /** The gate in use. */
    public URI base() {
        return gates.get(current);
    }

    private void nextGate() {
        current = (current + 1) % gates.size();
    }

    /** The gate could not be reached at all. */
    public static final class UnreachableException extends RuntimeException {
        public UnreachableException(URI base, Throwable cause) {
            super("cannot reach the gate at " + base + ": " + cause.getClass().getSimpleName()
                    + (cause.getMessage() == null ? "" : " " + cause.getMessage()) + hint(cause), cause);
        }

        /** When nothing listens there: how to start a cluster or name the gate. */
        private static String hint(Throwable cause) {
            for (Throwable reason = cause; reason != null; reason = reason.getCause()) {
                if (reason instanceof ConnectException) {
                    return " (nothing answers there: start a local cluster in this folder with `stampede local up`,"
                            + " or name a running gate with --gate URL or STAMPEDE_GATE)";
                }
            }
            return "";
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
        return send(gate -> {
            HttpRequest.Builder request = HttpRequest.newBuilder(gate.resolve("/api/v1/jobs"))
                    .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofString(body));
            idempotencyKey.ifPresent(key -> request.header("Idempotency-Key", key));
            return request;
        });
    }

    public Answer job(String id) {
        return send(gate -> HttpRequest.newBuilder(gate.resolve("/api/v1/jobs/" + id)).GET());
    }

    /**
     * A job's series ({@code GET /api/v1/jobs/{id}/series}): every datacenter merged, or one, at
     * {@code resolutionMillis} (or coarser, where the gate keeps it coarser).
     */
    public Answer series(String id, String datacenter, long resolutionMillis) {
        return send(gate -> HttpRequest.newBuilder(gate.resolve("/api/v1/jobs/" + id + "/series?datacenter="
                + java.net.URLEncoder.encode(datacenter, java.nio.charset.StandardCharsets.UTF_8) + "&resolution="
                + resolutionMillis + "ms")).GET());
    }

    public Answer jobs(String status, int page, int size) {
        String query = "?page=" + page + "&size=" + size + (status == null ? "" : "&status=" + status);
        return send(gate -> HttpRequest.newBuilder(gate.resolve("/api/v1/jobs" + query)).GET());
    }

    /** GET of a path of the gate in use (or the next, if it cannot be reached). */
    public Answer send(String path) {
        return send(gate -> HttpRequest.newBuilder(gate.resolve(path)).GET());
    }

    public Answer cancel(String id) {
        return send(gate -> HttpRequest.newBuilder(gate.resolve("/api/v1/jobs/" + id)).DELETE());
    }

    /**
     * Follows a job's Server-Sent Events, handing each to {@code events} until the job ends. When
     * the gate goes away mid-stream, or its stream is silent for {@link #WATCH_IDLE} (a gate sends
     * the job at least every 5 s), the job is followed through the next gate; after {@value
     * #WATCH_ROUNDS} rounds over every gate it gives up. A gate that answers it is busy (429 or 503
     * with {@code Retry-After}) is asked again after that long, up to {@value #WATCH_BUSY_RETRIES}
     * times in a row.
     */
    public void watch(String id, Consumer<JsonNode> events) {
        UnreachableException last = null;
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "watch-idle");
            thread.setDaemon(true);
            return thread;
        });
        try {
            int busy = 0;
            for (int attempt = 0; attempt < WATCH_ROUNDS * gates.size(); attempt++) {
                URI gate = base();
                try {
                    if (follow(gate, id, events, watchdog)) {
                        return;
                    }
                    busy = 0;
                    last = new UnreachableException(gate, new IOException("the event stream ended before the job"));
                } catch (Busy e) {
                    // A gate that asks to be asked again later is not lost: asked again, after its Retry-After.
                    if (++busy > WATCH_BUSY_RETRIES) {
                        throw new IllegalStateException("the gate answered " + e.status + " for job " + id + " "
                                + busy + " times in a row");
                    }
                    System.err.printf("the gate answered %d for job %s; asking again in %d s%n", e.status, id,
                            e.retryAfter.toSeconds());
                    try {
                        Thread.sleep(e.retryAfter.toMillis());
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted while watching job " + id);
                    }
                    attempt--;
                    continue;
                } catch (IOException | UncheckedIOException e) {
                    busy = 0;
                    last = new UnreachableException(gate, e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while watching job " + id);
                }
                nextGate();
                System.err.println("lost the gate at " + gate + "; following job " + id + " through " + base());
                pause();
            }
            throw last;
        } finally {
            watchdog.shutdownNow();
        }
    }

    /** One gate's stream; whether it ended with the job. A silent stream is closed by the watchdog. */
    private boolean follow(URI gate, String id, Consumer<JsonNode> events, ScheduledExecutorService watchdog)
            throws IOException, InterruptedException {
        HttpRequest request = authorized(HttpRequest.newBuilder(gate.resolve("/api/v1/jobs/" + id + "/events"))
                .header("Accept", "text/event-stream").GET()).build();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            response.body().close();
            Optional<Duration> retryAfter = retryAfter(response);
            if (retryAfter.isPresent()) {
                throw new Busy(response.statusCode(), retryAfter.get());
            }
            throw new IllegalStateException("the gate answered " + response.statusCode() + " for job " + id);
        }
        AtomicLong lastLine = new AtomicLong(System.nanoTime());
        AtomicBoolean silent = new AtomicBoolean();
        try (InputStream body = response.body();
                BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            ScheduledFuture<?> check = watchdog.scheduleWithFixedDelay(() -> {
                if (System.nanoTime() - lastLine.get() > watchIdle.toNanos()) {
                    silent.set(true);
                    try {
                        body.close();
                    } catch (IOException e) {
                        // Closed either way.
                    }
                }
            }, CHECK_EVERY.toMillis(), CHECK_EVERY.toMillis(), TimeUnit.MILLISECONDS);
            try {
                String status = "";
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    lastLine.set(System.nanoTime());
                    if (line.startsWith("data:")) {
                        JsonNode event = parse(line.substring(5));
                        status = event.path("status").asText();
                        events.accept(event);
                    }
                }
                return JobStatuses.terminal(status);
            } catch (IOException e) {
                if (silent.get()) {
                    throw new IOException("nothing heard for " + watchIdle.toMillis() / 1000.0 + " s");
                }
                throw e;
            } finally {
                check.cancel(false);
            }
        }
    }

    /** A gate's 429 or 503 with {@code Retry-After} to a watch: busy for now, to be asked again. */
    private static final class Busy extends IOException {
        final int status;
        final Duration retryAfter;

        Busy(int status, Duration retryAfter) {
            super("the gate answered " + status);
            this.status = status;
            this.retryAfter = retryAfter;
        }
    }

    private static void pause() {
        try {
            Thread.sleep(WATCH_RETRY_PAUSE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Sends to the gate in use; when it cannot be reached, to each other gate in turn. A 429 or 503
     * that carries {@code Retry-After} (the gate is busy, or its datacenters are still registering)
     * is tried again after a full-jitter backoff ({@link Backoff#DEFAULT}: up to 3 retries, never
     * sooner than the gate asked), saying so on standard error; the last answer is returned as it is.
     */
    private Answer send(java.util.function.Function<URI, HttpRequest.Builder> request) {
        for (int retry = 0; ; retry++) {
            Attempt attempt = sendOnce(request);
            Optional<Duration> retryAfter = attempt.retryAfter();
            if (retryAfter.isEmpty() || !backoff.allows(retry)) {
                return attempt.answer();
            }
            Duration wait = backoff.delay(retry, retryAfter.get(), random);
            System.err.printf("the gate answered %s; trying again in %.1f s (retry %d of %d)%n",
                    attempt.answer().problem(), wait.toMillis() / 1000.0, retry + 1, backoff.retries());
            try {
                Thread.sleep(wait.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted");
            }
        }
    }

    /** One answer, and how long the gate asked to wait before trying again (429 and 503 only). */
    private record Attempt(Answer answer, Optional<Duration> retryAfter) {
    }

    private Attempt sendOnce(java.util.function.Function<URI, HttpRequest.Builder> request) {
        UnreachableException last = null;
        for (int tried = 0; tried < gates.size(); tried++) {
            URI gate = base();
            try {
                HttpResponse<String> response = http.send(authorized(request.apply(gate)).timeout(Duration.ofSeconds(30)).build(),
                        HttpResponse.BodyHandlers.ofString());
                String body = response.body();
                Answer answer = new Answer(response.statusCode(), body == null || body.isBlank() ? null : parse(body));
                return new Attempt(answer, retryAfter(response));
            } catch (IOException e) {
                last = new UnreachableException(gate, e);
                nextGate();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted");
            }
        }
        throw last;
    }

    /** How long a busy gate (429 or 503 with {@code Retry-After}) asked to wait; empty for any other answer. */
    private static Optional<Duration> retryAfter(HttpResponse<?> response) {
        return response.statusCode() == 429 || response.statusCode() == 503
                ? response.headers().firstValue("Retry-After").flatMap(GateClient::seconds) : Optional.empty();
    }

    /** A {@code Retry-After} in seconds (the form Stampede's gates send); a date or junk is ignored. */
    static Optional<Duration> seconds(String header) {
        try {
            long seconds = Long.parseLong(header.trim());
            return seconds < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(Math.min(seconds, MAX_RETRY_AFTER_SECONDS)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            return JSON.createObjectNode().put("detail", text.strip());
        }
    }

    /** Gates, and whether they are the local cluster's (read from its state in this directory). */
    private record Located(List<URI> gates, boolean local) {
    }

    /**
     * The gates to use, in order: {@code --gate} (comma-separated), else {@code STAMPEDE_GATE},
     * else the gates of a local cluster started in this directory, else {@code http://127.0.0.1:8080}.
     */
    private static Located locate(String option) {
        if (option != null && !option.isBlank()) {
            return new Located(parse(option, "--gate"), false);
        }
        String environment = System.getenv("STAMPEDE_GATE");
        if (environment != null && !environment.isBlank()) {
            return new Located(parse(environment, "STAMPEDE_GATE"), false);
        }
        Path state = LOCAL_STATE;
        if (Files.isRegularFile(state)) {
            try {
                List<URI> local = new java.util.ArrayList<>();
                for (JsonNode node : JSON.readTree(state.toFile()).path("nodes")) {
                    if (node.path("role").asText().equals("gate")) {
                        local.add(URI.create("http://127.0.0.1:" + node.path("httpPort").asInt()));
                    }
                }
                if (!local.isEmpty()) {
                    return new Located(local, true);
                }
            } catch (IOException e) {
                // Fall through to the default.
            }
        }
        return new Located(List.of(URI.create("http://127.0.0.1:8080")), false);
    }

    private static List<URI> parse(String urls, String source) {
        List<URI> gates = new java.util.ArrayList<>();
        for (String url : urls.split(",")) {
            if (!url.isBlank()) {
                gates.add(gateUrl(url.strip(), source));
            }
        }
        if (gates.isEmpty()) {
            throw new UsageException(source + " names no gate");
        }
        return gates;
    }

    private static URI gateUrl(String url, String source) {
        try {
            URI uri = new URI(url);
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // Said below.
        }
        throw new UsageException(source + ": '" + url + "' is not a gate URL such as http://127.0.0.1:8080");
    }
}
