package io.stampede.local;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Stopping child processes: politely first, then for certain. */
public final class Processes {

    /** How long a process gets after SIGKILL before we report it as still running. */
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);

    private Processes() {
    }

    /**
     * Sends SIGTERM, waits up to {@code grace} for the process to exit, then sends SIGKILL.
     *
     * @return true when the process is gone
     */
    public static boolean stop(ProcessHandle process, Duration grace) {
        if (!process.isAlive()) {
            return true;
        }
        process.destroy();
        if (awaitExit(process, grace)) {
            return true;
        }
        process.destroyForcibly();
        return awaitExit(process, KILL_WAIT);
    }

    /** Waits up to {@code timeout} for the process to exit; true when it did. */
    public static boolean awaitExit(ProcessHandle process, Duration timeout) {
        try {
            process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return !process.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        } catch (ExecutionException e) {
            return !process.isAlive();
        }
    }

    /** When the operating system says the process started, to tell it apart from a later one with the same pid. */
    public static Optional<Instant> startInstant(ProcessHandle process) {
        return process.info().startInstant();
    }

    /** The path of the {@code java} command of the running JVM. */
    public static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
