package io.stampede.testkit;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.JksOptions;

/**
 * A real HTTP server for load tests to aim at, on a free loopback port, with its own Vert.x. It
 * counts every request it receives, per path too, and tracks the most requests it held at once.
 *
 * <p>Paths: {@code /ok} (200 "ok"), {@code /status/N} (status N), {@code /delay/MS} (200 after MS
 * milliseconds), {@code /json} (a fixed JSON document), {@code /login} (JSON {@code {"token":
 * "tok-<user>"}} for a JSON body {@code {"user": …}}), {@code /me} (200 when the Authorization
 * header carries a token {@code /login} issued, else 401), {@code /close} (closes the connection
 * without answering), {@code /tag/ANY} (200, with every arrival time kept). {@link #stallFor} holds every response until a moment has passed.
 */
public final class TargetServer implements AutoCloseable {

    private final Vertx vertx;
    private final HttpServer server;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger peakInFlight = new AtomicInteger();
    private final Map<String, AtomicLong> perPath = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> perVersion = new ConcurrentHashMap<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    /** Every distinct User-Agent seen (a set: a load test sends the same few again and again). */
    private final java.util.Set<String> userAgents = ConcurrentHashMap.newKeySet();
    private final Map<String, long[]> firstAndLastNanos = new ConcurrentHashMap<>();
    private final Map<String, List<Long>> arrivals = new ConcurrentHashMap<>();
    private final List<Seen> logins = new CopyOnWriteArrayList<>();
    private final List<Seen> profiles = new CopyOnWriteArrayList<>();

    /** A request to {@code /login} (the user) or {@code /me} (the Authorization header), and when it arrived. */
    public record Seen(String value, long nanos) {
    }
    private volatile long stallUntilNanos;

    private final String host;

    private TargetServer(HttpServerOptions options, String host) {
        this.host = host;
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setPreferNativeTransport(true));
        this.server = vertx.createHttpServer(options.setHost(host).setPort(0)).requestHandler(this::handle);
        server.listen().toCompletionStage().toCompletableFuture().join();
    }

    /** Plain HTTP/1.1, and HTTP/2 by prior knowledge (h2c). */
    public static TargetServer start() {
        return start("127.0.0.1");
    }

    /** As {@link #start()}, on another loopback address (127.0.0.2, say: another host to a client). */
    public static TargetServer start(String loopbackAddress) {
        return new TargetServer(new HttpServerOptions().setHttp2ClearTextEnabled(true), loopbackAddress);
    }

    /** HTTPS (HTTP/1.1 and, through ALPN, HTTP/2) with the certificate in a JKS key store. */
    public static TargetServer startTls(String keyStorePath, String password) {
        return new TargetServer(new HttpServerOptions().setSsl(true).setUseAlpn(true)
                .setKeyCertOptions(new JksOptions().setPath(keyStorePath).setPassword(password)), "127.0.0.1");
    }

    public int port() {
        return server.actualPort();
    }

    public String url(String path) {
        return "http://" + host + ":" + port() + path;
    }

    /** Requests received, whatever their outcome. */
    public long requests() {
        return requests.get();
    }

    public long requests(String pathPrefix) {
        return perPath.entrySet().stream().filter(entry -> entry.getKey().startsWith(pathPrefix))
                .mapToLong(entry -> entry.getValue().get()).sum();
    }

    /** Requests received over one protocol version ("HTTP_1_1", "HTTP_2"). */
    public long requestsOver(String version) {
        return perVersion.getOrDefault(version, new AtomicLong()).get();
    }

    /** When the first and the last request for {@code path} arrived ({@code System.nanoTime()}), if any did. */
    public long[] firstAndLastNanos(String path) {
        return firstAndLastNanos.get(path);
    }

    /** When each request for a {@code /tag/...} path arrived ({@code System.nanoTime()}), in order. */
    public List<Long> arrivals(String path) {
        return List.copyOf(arrivals.getOrDefault(path, List.of()));
    }

    /** The most requests held at once. */
    public int peakConcurrency() {
        return peakInFlight.get();
    }

    /** Every {@code /login}, with its user, in order of arrival. */
    public List<Seen> logins() {
        return List.copyOf(logins);
    }

    /** Every {@code /me} with an Authorization header, in order of arrival. */
    public List<Seen> profiles() {
        return List.copyOf(profiles);
    }

    /** Every distinct {@code User-Agent} header received, on any path. */
    public java.util.Set<String> userAgents() {
        return java.util.Set.copyOf(userAgents);
    }

    /** Authorization headers {@code /me} received. */
    public List<String> authorizations() {
        return List.copyOf(authorizations);
    }

    /** Holds every response, new or in progress, for {@code millis} from now. */
    public void stallFor(long millis) {
        stallUntilNanos = System.nanoTime() + millis * 1_000_000;
    }

    private void handle(HttpServerRequest request) {
        requests.incrementAndGet();
        String path = request.path();
        perPath.computeIfAbsent(path, key -> new AtomicLong()).incrementAndGet();
        long arrived = System.nanoTime();
        firstAndLastNanos.compute(path, (key, span) -> span == null ? new long[] {arrived, arrived}
                : new long[] {Math.min(span[0], arrived), Math.max(span[1], arrived)});
        if (path.startsWith("/tag/")) {
            arrivals.computeIfAbsent(path, key -> new CopyOnWriteArrayList<>()).add(arrived);
        }
        perVersion.computeIfAbsent(request.version().name(), key -> new AtomicLong()).incrementAndGet();
        int now = inFlight.incrementAndGet();
        peakInFlight.accumulateAndGet(now, Math::max);
        request.body().onComplete(body -> {
            long stall = (stallUntilNanos - System.nanoTime()) / 1_000_000;
            if (stall > 0) {
                vertx.setTimer(stall, id -> route(request, path, body.result() == null ? "" : body.result().toString()));
            } else {
                route(request, path, body.result() == null ? "" : body.result().toString());
            }
        });
    }

    private void route(HttpServerRequest request, String path, String body) {
        if (path.equals("/close")) {
            inFlight.decrementAndGet();
            request.connection().close();
            return;
        }
        String userAgent = request.getHeader("User-Agent");
        if (userAgent != null) {
            userAgents.add(userAgent);
        }
        if (path.startsWith("/delay/")) {
            long millis = Long.parseLong(path.substring("/delay/".length()));
            vertx.setTimer(Math.max(1, millis), id -> respond(request, 200, "text/plain", "ok"));
            return;
        }
        if (path.startsWith("/tag/")) {
            respond(request, 200, "text/plain", "ok");
            return;
        }
        if (path.equals("/redirect")) {
            // A 302 to the URL in ?to=.
            request.response().setStatusCode(302).putHeader("Location", request.getParam("to")).end();
            return;
        }
        if (path.equals("/link")) {
            // A JSON body naming the URL in ?to=, for a later step to go to.
            respond(request, 200, "application/json", "{\"next\":\"" + request.getParam("to") + "\"}");
            return;
        }
        if (path.startsWith("/status/")) {
            respond(request, Integer.parseInt(path.substring("/status/".length())), "text/plain", "status");
            return;
        }
        switch (path) {
            case "/ok" -> respond(request, 200, "text/plain", "ok");
            case "/json" -> respond(request, 200, "application/json",
                    "{\"token\":\"abc\",\"items\":[{\"id\":1,\"name\":\"one\"},{\"id\":2,\"name\":\"two\"}]}");
            case "/login" -> {
                String user = body.replaceAll(".*\"user\"\\s*:\\s*\"([^\"]*)\".*", "$1");
                logins.add(new Seen(user, System.nanoTime()));
                respond(request, 200, "application/json", "{\"token\":\"tok-" + user + "\"}");
            }
            case "/me" -> {
                String authorization = request.getHeader("Authorization");
                if (authorization != null) {
                    authorizations.add(authorization);
                    profiles.add(new Seen(authorization, System.nanoTime()));
                }
                boolean known = authorization != null && authorization.startsWith("Bearer tok-");
                respond(request, known ? 200 : 401, "text/plain", known ? "me" : "who?");
            }
            default -> respond(request, 404, "text/plain", "no such path");
        }
    }

    private void respond(HttpServerRequest request, int status, String type, String body) {
        inFlight.decrementAndGet();
        request.response().setStatusCode(status).putHeader("Content-Type", type).end(body);
    }

    @Override
    public void close() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }
}
