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
}
