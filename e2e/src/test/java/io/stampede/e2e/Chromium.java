package io.stampede.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Headless Chromium as Debian packages it ({@code apt-get install chromium}; {@code .ci/run}
 * installs it): pages rendered by a real browser, their scripts run. Each call is its own browser
 * process with its own profile, stopped (with everything it started) however the call ends.
 */
final class Chromium {

    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    private Chromium() {
    }

    /** The browser, when this machine has one. */
    static Optional<Path> binary() {
        for (String candidate : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return Optional.of(Path.of(candidate));
            }
        }
        return Optional.empty();
    }

    /** The page's document after its scripts ran for {@code budget} of virtual time. */
    static String dumpDom(String url, Duration budget) throws IOException, InterruptedException {
        return run(List.of("--virtual-time-budget=" + budget.toMillis(), "--dump-dom", url));
    }

    /** Saves what the page shows, {@code width} by {@code height} pixels, once its scripts ran. */
    static void screenshot(String url, Path png, int width, int height, Duration budget)
            throws IOException, InterruptedException {
        Files.createDirectories(png.toAbsolutePath().getParent());
        run(List.of("--virtual-time-budget=" + budget.toMillis(), "--window-size=" + width + "," + height,
                "--hide-scrollbars", "--screenshot=" + png.toAbsolutePath(), url));
        if (!Files.isRegularFile(png) || Files.size(png) == 0) {
            throw new IOException("chromium wrote no screenshot to " + png);
        }
    }

    private static String run(List<String> arguments) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("stampede-chromium-");
        List<String> command = new ArrayList<>(List.of(binary().orElseThrow().toString(), "--headless=new",
                // Tests run as root in CI containers, where Chromium's sandbox cannot start.
                "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--user-data-dir=" + profile));
        command.addAll(arguments);
        Path output = profile.resolve("stdout");
        Path errors = profile.resolve("stderr");
        Process process = new ProcessBuilder(command).redirectOutput(output.toFile()).redirectError(errors.toFile())
                .start();
        try {
            if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                throw new IOException("chromium did not finish within " + TIMEOUT.toSeconds() + " s: " + command);
            }
            if (process.exitValue() != 0) {
                throw new IOException("chromium exited " + process.exitValue() + ": "
                        + Files.readString(errors, StandardCharsets.UTF_8));
            }
            return Files.readString(output, StandardCharsets.UTF_8);
        } finally {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
            }
        }
    }

    /**
     * A page open in a browser that stays up, driven over the DevTools protocol: what a person
     * would see, read while the page lives (its scripts, event streams and timers running).
     */
    static final class Page implements AutoCloseable {
        private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
                new com.fasterxml.jackson.databind.ObjectMapper();
        private final Process process;
        private final Path profile;
        private final java.net.http.WebSocket socket;
        private final java.util.concurrent.atomic.AtomicInteger ids = new java.util.concurrent.atomic.AtomicInteger();
        private final java.util.Map<Integer, java.util.concurrent.CompletableFuture<com.fasterxml.jackson.databind.JsonNode>>
                pending = new java.util.concurrent.ConcurrentHashMap<>();

        private Page(Process process, Path profile, java.net.http.WebSocket.Builder builder, java.net.URI page)
                throws IOException, InterruptedException {
            this.process = process;
            this.profile = profile;
            StringBuilder partial = new StringBuilder();
            try {
                this.socket = builder.buildAsync(page, new java.net.http.WebSocket.Listener() {
                    @Override
                    public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket webSocket,
                            CharSequence data, boolean last) {
                        partial.append(data);
                        if (last) {
                            answered(partial.toString());
                            partial.setLength(0);
                        }
                        webSocket.request(1);
                        return null;
                    }
                }).get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new IOException("cannot reach the browser's page at " + page, e);
            }
        }

        private void answered(String message) {
            try {
                com.fasterxml.jackson.databind.JsonNode answer = JSON.readTree(message);
                if (answer.has("id")) {
                    var waiting = pending.remove(answer.get("id").asInt());
                    if (waiting != null) {
                        waiting.complete(answer);
                    }
                }
            } catch (IOException e) {
                // Not ours to read: events the page sends unasked.
            }
        }

        /** Opens {@code url} in a new headless browser. */
        static Page open(String url) throws IOException, InterruptedException {
            Path profile = Files.createTempDirectory("stampede-chromium-");
            Process process = new ProcessBuilder(binary().orElseThrow().toString(), "--headless=new", "--no-sandbox",
                    "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--remote-debugging-port=0",
                    "--remote-allow-origins=*", "--window-size=1400,2400", "--user-data-dir=" + profile, "about:blank")
                    .redirectOutput(profile.resolve("stdout").toFile()).redirectError(profile.resolve("stderr").toFile())
                    .start();
            try {
                Path port = profile.resolve("DevToolsActivePort");
                // Chromium writes the port it listens on once it does.
                org.awaitility.Awaitility.await().atMost(TIMEOUT).until(() -> Files.isRegularFile(port)
                        && Files.readAllLines(port).size() >= 2 || !process.isAlive());
                if (!process.isAlive()) {
                    throw new IOException("chromium did not start: " + Files.readString(profile.resolve("stderr")));
                }
                String debugging = "http://127.0.0.1:" + Files.readAllLines(port).get(0).trim();
                var pages = JSON.readTree(Command.HTTP.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(debugging + "/json/list")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString()).body());
                String target = null;
                for (var candidate : pages) {
                    if (candidate.path("type").asText().equals("page")) {
                        target = candidate.path("webSocketDebuggerUrl").asText();
                    }
                }
                if (target == null) {
                    throw new IOException("chromium has no page to drive: " + pages);
                }
                Page page = new Page(process, profile, Command.HTTP.newWebSocketBuilder(), java.net.URI.create(target));
                page.call("Page.enable", JSON.createObjectNode());
                page.call("Page.navigate", JSON.createObjectNode().put("url", url));
                return page;
            } catch (IOException | InterruptedException | RuntimeException e) {
                stop(process, profile);
                throw e;
            }
        }

        private com.fasterxml.jackson.databind.JsonNode call(String method,
                com.fasterxml.jackson.databind.node.ObjectNode params) throws IOException, InterruptedException {
            int id = ids.incrementAndGet();
            var answer = new java.util.concurrent.CompletableFuture<com.fasterxml.jackson.databind.JsonNode>();
            pending.put(id, answer);
            var request = JSON.createObjectNode().put("id", id).put("method", method);
            request.set("params", params);
            socket.sendText(JSON.writeValueAsString(request), true);
            try {
                var result = answer.get(30, TimeUnit.SECONDS);
                if (result.has("error")) {
                    throw new IOException(method + ": " + result.get("error"));
                }
                return result.path("result");
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new IOException(method + " got no answer", e);
            }
        }

        /** The value of a JavaScript expression in the page, as JSON (null while the page is loading). */
        com.fasterxml.jackson.databind.JsonNode evaluate(String expression) throws IOException, InterruptedException {
            var result = call("Runtime.evaluate", JSON.createObjectNode().put("expression", expression)
                    .put("returnByValue", true));
            return result.path("result").path("value");
        }

        /** Saves what the page shows now. */
        void screenshot(Path png) throws IOException, InterruptedException {
            Files.createDirectories(png.toAbsolutePath().getParent());
            var shot = call("Page.captureScreenshot", JSON.createObjectNode().put("format", "png")
                    .put("captureBeyondViewport", true));
            Files.write(png, java.util.Base64.getDecoder().decode(shot.path("data").asText()));
        }

        @Override
        public void close() throws IOException {
            socket.abort();
            stop(process, profile);
        }

        private static void stop(Process process, Path profile) throws IOException {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
            }
        }
    }
}
