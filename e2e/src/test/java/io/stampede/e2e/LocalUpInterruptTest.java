package io.stampede.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.stampede.local.Processes;

/**
 * Ctrl-C during {@code stampede local up}, and two {@code up}s at once in one directory, as a user
 * meets them: the packaged command as a child process in a fresh directory, a real broker and real
 * nodes, SIGINT to the command's process alone (the children run in sessions of their own, so a
 * terminal's Ctrl-C reaches only the command, as here).
 */
class LocalUpInterruptTest {

    /** The smallest cluster: one gate and one datacenter with one manager and one worker. */
    private static final List<String> SMALLEST_UP = List.of("local", "up", "--datacenters", "1",
            "--managers-per-dc", "1", "--workers-per-dc", "1", "--gates", "1", "--partitions", "1");
    /** Broker, gate, manager and worker. */
    private static final int SMALLEST_PROCESSES = 4;
    private static final String STOP_MESSAGE = "interrupted: stopping the local cluster in ";
    /** How long starting may take before the test gives up waiting for progress. */
    private static final Duration PROGRESS_TIMEOUT = Duration.ofMinutes(2);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path directory;

    /** Every {@code stampede} process this test started, stopped by pid afterwards. */
    private final List<Process> commands = new ArrayList<>();
    /** Every cluster process the state file named while the test watched it. */
    private final Set<Recorded> recorded = new LinkedHashSet<>();

    /**
     * Whatever a test leaves running is stopped by pid, so a failed test leaves nothing behind: the
     * commands first (SIGTERM runs their shutdown hook, which stops what they started), then the
     * cluster by its state and marker, then any process the state file ever named that still runs.
     */
    @AfterEach
    void stopEverythingStarted() throws IOException {
        commands.forEach(command -> Processes.stop(command.toHandle(), Duration.ofSeconds(20)));
        Path real = directory.toRealPath();
        Command.localDown(real);
        recorded.forEach(process -> process.live().ifPresent(live -> Processes.stop(live, Duration.ofSeconds(5))));
    }

    @Test
    void ctrlCDuringUpStopsEveryProcessItStartedPromptlyAndSaysSoOnce() throws Exception {
        Process up = stampede("up", SMALLEST_UP);

        // Interrupt while the nodes start: all of them are launched and recorded within milliseconds
        // of each other, and take seconds to become ready.
        await().atMost(PROGRESS_TIMEOUT).pollInterval(Duration.ofMillis(100))
                .until(() -> !up.isAlive() || readState().size() == SMALLEST_PROCESSES);
        assertThat(up.isAlive()).as("local up still starting when interrupted\n" + output("up")).isTrue();
        List<Recorded> started = readState();

        long began = System.nanoTime();
        interrupt(up);
        boolean exited = up.waitFor(15, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - began) / 1e9;
        System.out.printf("local up stopped %.1f s after Ctrl-C%n", seconds);

        assertThat(exited).as("local up exits within 15 s of Ctrl-C\n" + output("up")).isTrue();
        String err = Files.readString(directory.resolve("up.err"), StandardCharsets.UTF_8);
        String out = Files.readString(directory.resolve("up.out"), StandardCharsets.UTF_8);
        assertThat(up.exitValue()).as("the JVM's exit code after SIGINT\n" + output("up")).isEqualTo(130);
        assertThat(occurrences(err, STOP_MESSAGE)).as(output("up")).isEqualTo(1);
        assertThat(err).as(output("up")).contains("stopped " + SMALLEST_PROCESSES + " processes")
                .doesNotContain("before it was ready").doesNotContain("did not become ready");
        assertThat(out).as("no second stop from the failure path\n" + output("up"))
                .doesNotContain("Stopping everything that was started");

        assertThat(started).as("pids recorded in the state file").allSatisfy(process ->
                assertThat(process.live()).as("pid " + process.pid() + " still running").isEmpty());
        assertThat(Command.localClusterProcesses(directory.toRealPath())).isEmpty();
        assertThat(clusterDirectory().resolve("cluster.json")).doesNotExist();
    }

    @Test
    void aSecondUpInTheSameDirectoryFailsAtOnceWhileTheFirstIsStarting() throws Exception {
        Process first = stampede("first", SMALLEST_UP);
        // The first writes its pid into the lock file once it holds the lock, and holds it until its
        // cluster is up or stopped: seconds, since the broker alone takes several.
        await().atMost(PROGRESS_TIMEOUT).pollInterval(Duration.ofMillis(100))
                .until(() -> !first.isAlive() || lockHolder().equals(Optional.of(first.pid())));
        assertThat(first.isAlive()).as(output("first")).isTrue();

        long began = System.nanoTime();
        Command.Result second = Command.stampede(directory, Duration.ofMinutes(1),
                SMALLEST_UP.toArray(String[]::new));
        double seconds = (System.nanoTime() - began) / 1e9;
        System.out.printf("the second local up was turned away after %.1f s%n", seconds);

        // Still starting, so it held the lock all along: the second did not wait for it.
        assertThat(first.isAlive()).as("the first local up is still starting\n" + output("first")).isTrue();
        assertThat(second.exitCode()).as(second.toString()).isEqualTo(1);
        assertThat(second.err()).as(second.toString()).contains("stampede local up: another 'stampede local up'"
                + " is starting a cluster in " + clusterDirectory() + " (pid " + first.pid() + ")");
        assertThat(second.out()).as(second.toString()).doesNotContain("Starting Kafka").doesNotContain("already running");
        assertThat(seconds).as("turned away at once, not after the first's start").isLessThan(20);

        interrupt(first);
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).as(output("first")).isTrue();
    }

    /** A cluster process named by the state file: its pid and the start time the OS reported. */
    private record Recorded(long pid, long startedAtEpochMilli) {

        /** The process, if the one recorded still runs (a later process reusing the pid does not count). */
        Optional<ProcessHandle> live() {
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(process -> startedAtEpochMilli == 0
                    || process.info().startInstant().map(Instant::toEpochMilli)
                            .map(actual -> actual == startedAtEpochMilli).orElse(true));
        }

        static Recorded of(JsonNode started) {
            return new Recorded(started.get("pid").asLong(), started.path("startedAtEpochMilli").asLong(0));
        }
    }

    /** The processes the state file names now (none when there is no file), remembered for clean-up. */
    private List<Recorded> readState() throws IOException {
        Path file = clusterDirectory().resolve("cluster.json");
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        JsonNode state = JSON.readTree(file.toFile());
        List<Recorded> processes = new ArrayList<>();
        processes.add(Recorded.of(state.get("kafka")));
        state.path("nodes").forEach(node -> processes.add(Recorded.of(node.get("process"))));
        recorded.addAll(processes);
        return processes;
    }

    /** The pid written into the lock file, if any. */
    private Optional<Long> lockHolder() throws IOException {
        Path lock = clusterDirectory().resolve("lock");
        if (!Files.isRegularFile(lock)) {
            return Optional.empty();
        }
        String text = Files.readString(lock, StandardCharsets.US_ASCII).trim();
        return text.matches("\\d+") ? Optional.of(Long.parseLong(text)) : Optional.empty();
    }

    /**
     * The cluster directory as the command names it: it resolves {@code .stampede/local} against its
     * working directory, which the operating system reports with symbolic links resolved.
     */
    private Path clusterDirectory() throws IOException {
        return directory.toRealPath().resolve(".stampede/local");
    }

    /** Starts {@code stampede <args>} from the packaged jar in the test directory, output to {@code name}.out/.err. */
    private Process stampede(String name, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(defaultSigint());
        command.addAll(List.of(Processes.javaExecutable(), "-Dstampede.home=" + Command.HOME, "-jar",
                Command.HOME.resolve("client-cli/target/stampede.jar").toString()));
        command.addAll(args);
        Process process = new ProcessBuilder(command).directory(directory.toFile())
                .redirectOutput(directory.resolve(name + ".out").toFile())
                .redirectError(directory.resolve(name + ".err").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        commands.add(process);
        return process;
    }

    /**
     * A process started in the background by a shell without job control ignores SIGINT, its
     * children inherit that, and a JVM that starts with SIGINT ignored never runs its shutdown hooks
     * on it. When this JVM ignores SIGINT (Maven run with {@code &} from a script), the command is
     * started through GNU {@code env --default-signal=INT}, which restores the default and execs in
     * place, so the pid stays the command's.
     */
    private static List<String> defaultSigint() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return List.of();
        }
        for (String line : Files.readAllLines(status, StandardCharsets.US_ASCII)) {
            if (line.startsWith("SigIgn:")) {
                long ignored = Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16);
                boolean sigintIgnored = (ignored & (1L << (2 - 1))) != 0;
                return sigintIgnored ? List.of("/usr/bin/env", "--default-signal=INT") : List.of();
            }
        }
        return List.of();
    }

    /** SIGINT to the command's process alone, as Ctrl-C in its terminal would send it. */
    private static void interrupt(Process process) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).as("kill -INT " + process.pid()).isZero();
    }

    private String output(String name) {
        try {
            return "--- " + name + ".out\n" + Files.readString(directory.resolve(name + ".out"), StandardCharsets.UTF_8)
                    + "\n--- " + name + ".err\n" + Files.readString(directory.resolve(name + ".err"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    private static int occurrences(String text, String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length())) {
            count++;
        }
        return count;
    }
}
