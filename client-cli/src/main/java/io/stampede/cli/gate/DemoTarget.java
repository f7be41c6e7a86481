package io.stampede.cli.gate;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A small shop API on loopback for {@code stampede demo} to load: {@code POST /login} answers a
 * token for a JSON {@code {"user": …}}, {@code GET /items} wants that token and answers a list
 * after 1 to 5 ms. It counts what it served.
 */
public final class DemoTarget implements AutoCloseable {

    private final HttpServer server;
    private final AtomicLong requests = new AtomicLong();

    public DemoTarget() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 512);
        server.setExecutor(Executors.newFixedThreadPool(8, runnable -> {
            Thread thread = new Thread(runnable, "demo-target");
            thread.setDaemon(true);
            return thread;
        }));
        server.createContext("/login", this::login);
        server.createContext("/items", this::items);
        server.start();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public long requests() {
        return requests.get();
    }

    private void login(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String user = body.replaceAll("(?s).*\"user\"\\s*:\\s*\"([^\"]*)\".*", "$1");
        respond(exchange, 200, "{\"token\":\"tok-" + user + "\"}");
    }

    private void items(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (authorization == null || !authorization.startsWith("Bearer tok-")) {
            respond(exchange, 401, "{\"error\":\"log in first\"}");
            return;
        }
        try {
            Thread.sleep(ThreadLocalRandom.current().nextInt(1, 6));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        respond(exchange, 200, "{\"items\":[{\"id\":1,\"name\":\"hat\"},{\"id\":2,\"name\":\"boots\"}]}");
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
