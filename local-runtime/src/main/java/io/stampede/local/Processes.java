package io.stampede.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Starting child processes out of the terminal's reach, and stopping them: politely first, then for certain. */
public final class Processes {

    /** How long a process gets after SIGKILL before we report it as still running. */
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);

    /** util-linux {@code setsid}, where Linux distributions install it; absent elsewhere (macOS). */
    private static final List<Path> SETSID = List.of(Path.of("/usr/bin/setsid"), Path.of("/bin/setsid"));

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

    /**
     * Stops several processes together: SIGTERM to all at once, up to {@code grace} for all of them,
     * then SIGKILL to those left. It takes as long as the slowest process, not the sum of them.
     *
     * @return how many of {@code processes} are gone
     */
    public static int stopAll(Collection<ProcessHandle> processes, Duration grace) {
        List<ProcessHandle> alive = processes.stream().filter(ProcessHandle::isAlive).toList();
        alive.forEach(ProcessHandle::destroy);
        awaitAllExit(alive, grace);
        List<ProcessHandle> left = alive.stream().filter(ProcessHandle::isAlive).toList();
        left.forEach(ProcessHandle::destroyForcibly);
        awaitAllExit(left, KILL_WAIT);
        return (int) processes.stream().filter(process -> !process.isAlive()).count();
    }

    /**
     * {@code command} run in a session of its own, so that Ctrl-C in the terminal, which sends SIGINT
     * to the terminal's foreground process group, reaches the command that started the child and not
     * the child: the starter decides how its children stop. On Linux this puts util-linux
     * {@code setsid} in front; where there is none, the command is returned unchanged.
     *
     * <p>The pid stays the child's own. {@code setsid} (without {@code --fork}) forks only when it is
     * a process-group leader, and a child of {@link ProcessBuilder} never is: Java does not call
     * setpgid, so the child is in the JVM's group under a pid of its own. {@code setsid} therefore
     * calls setsid(2) and execs the command in place; the {@link Process}'s pid, start time and exit
     * code are the command's, and its arguments are the command's once the exec is done (a moment
     * after {@link ProcessBuilder#start()} returns).
     */
    public static List<String> inOwnSession(List<String> command) {
        Optional<Path> setsid = SETSID.stream().filter(Files::isExecutable).findFirst();
        if (setsid.isEmpty()) {
            return List.copyOf(command);
        }
        List<String> prefixed = new ArrayList<>(command.size() + 1);
        prefixed.add(setsid.get().toString());
        prefixed.addAll(command);
        return List.copyOf(prefixed);
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

    /** Waits up to {@code timeout}, in all, for every one of {@code processes} to exit. */
    private static void awaitAllExit(List<ProcessHandle> processes, Duration timeout) {
        if (processes.isEmpty()) {
            return;
        }
        CompletableFuture<?>[] exits = processes.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(exits).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // The caller looks at which processes are still alive.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
