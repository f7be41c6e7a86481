package io.stampede.cli.local;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;

import io.stampede.local.FreePorts;
import io.stampede.local.LocalKafka;
import io.stampede.local.LogTail;
import io.stampede.local.Processes;
import io.stampede.model.NodeRole;
import io.stampede.model.Topics;

/**
 * A Stampede cluster on this machine: a real Kafka broker and every node as a child process on
 * loopback, with state and logs under one directory (by default {@code .stampede/local}).
 */
public final class LocalCluster {

    /** Lines of a failed node's log shown to the user. */
    private static final int TAIL_LINES = 25;
    private static final Duration POLL = Duration.ofMillis(250);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

    private final Path directory;
    private final PrintWriter out;
    private final Clock clock;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(PROBE_TIMEOUT).build();

    public LocalCluster(Path directory, PrintWriter out, Clock clock) {
        this.directory = directory.toAbsolutePath().normalize();
        this.out = out;
        this.clock = clock;
    }

    /** What to start. */
    public record Layout(int datacenters, int managersPerDatacenter, int workersPerDatacenter, int gates,
            int partitions, Duration timeout, List<String> jvmOptions, Map<String, String> nodeProperties) {

        public Layout {
            require(datacenters >= 1, "--datacenters must be at least 1");
            require(managersPerDatacenter >= 1, "--managers-per-dc must be at least 1");
            require(workersPerDatacenter >= 1, "--workers-per-dc must be at least 1");
            require(gates >= 1, "--gates must be at least 1");
            require(partitions >= 1, "--partitions must be at least 1");
            jvmOptions = List.copyOf(jvmOptions);
            nodeProperties = Map.copyOf(nodeProperties);
        }

        List<String> datacenterNames() {
            return IntStream.rangeClosed(1, datacenters).mapToObj(i -> "dc" + i).toList();
        }

        private static void require(boolean condition, String message) {
            if (!condition) {
                throw new IllegalArgumentException(message);
            }
        }
    }

    /**
     * The marker argument every process we start carries, naming the cluster directory. It stays
     * outside the {@code stampede.} prefix, where nodes reject unknown keys.
     */
    static String marker(Path clusterDirectory) {
        return "-Dstampede-local-cluster=" + clusterDirectory;
    }

    /** The saved state, if a cluster was started here and at least one of its processes still runs. */
    public Optional<ClusterState> running() throws IOException {
        return ClusterState.load(directory).filter(state -> processes(state).stream()
                .anyMatch(started -> started.live(directory).isPresent()));
    }

    /**
     * Starts the broker and every node, waits until all are ready and returns their state. On any
     * failure everything started is stopped and the exception says what went wrong.
     */
    public ClusterState up(Layout layout, Distribution distribution) throws IOException {
        Instant began = clock.instant();
        Map<NodeRole, Path> jars = new LinkedHashMap<>();
        for (NodeRole role : NodeRole.values()) {
            jars.put(role, distribution.serviceJar(role));
        }
        ClusterState.delete(directory);
        Path kafkaDirectory = directory.resolve("kafka");
        deleteRecursively(kafkaDirectory);
        deleteRecursively(directory.resolve("raft"));
        Files.createDirectories(directory.resolve("logs"));

        out.printf("Starting Kafka in %s ...%n", kafkaDirectory);
        out.flush();
        LocalKafka kafka = LocalKafka.start(LocalKafka.Options.in(kafkaDirectory)
                .startTimeout(layout.timeout()).jvmOption(marker(directory)));
        ClusterState state = new ClusterState(directory, began, ClusterState.Started.of(kafka.process()),
                kafka.bootstrapServers(), List.of());
        state.save();
        try {
            kafka.createTopics(Topics.all(layout.datacenterNames()), layout.partitions(), layout.timeout());
            out.printf("Kafka is up at %s (pid %d). Starting %d nodes ...%n", kafka.bootstrapServers(),
                    kafka.process().pid(), plan(layout).size());
            out.flush();
            for (PlannedNode node : plan(layout)) {
                state = state.withNode(launch(node, state.bootstrapServers(), jars.get(node.role()), layout));
                state.save();
            }
            awaitReady(state, began.plus(layout.timeout()));
            out.printf("All %d nodes are ready after %.1f s.%n", state.nodes().size(),
                    Duration.between(began, clock.instant()).toMillis() / 1000.0);
            return state;
        } catch (IOException | RuntimeException e) {
            out.println("Stopping everything that was started ...");
            down(state);
            throw e;
        }
    }

    /** Stops every process of {@code state} that is still ours, nodes first, then the broker. */
    public int down(ClusterState state) throws IOException {
        List<ProcessHandle> nodes = new ArrayList<>();
        for (ClusterState.Node node : state.nodes()) {
            node.process().live(directory).ifPresent(nodes::add);
        }
        nodes.forEach(ProcessHandle::destroy);
        int stopped = 0;
        for (ProcessHandle node : nodes) {
            if (Processes.stop(node, Duration.ofSeconds(10))) {
                stopped++;
            }
        }
        Optional<ProcessHandle> broker = state.kafka().live(directory);
        if (broker.isPresent() && Processes.stop(broker.get(), Duration.ofSeconds(15))) {
            stopped++;
        }
        ClusterState.delete(directory);
        return stopped;
    }

    /** Live health of every node: ready, not ready, or not running. */
    public Map<ClusterState.Node, String> health(ClusterState state) {
        Map<ClusterState.Node, String> health = new LinkedHashMap<>();
        for (ClusterState.Node node : state.nodes()) {
            if (node.process().live(directory).isEmpty()) {
                health.put(node, "stopped");
            } else {
                health.put(node, isReady(node) ? "ready" : "not ready");
            }
        }
        return health;
    }

    /** Whether the broker process still runs. */
    public boolean brokerRunning(ClusterState state) {
        return state.kafka().live(directory).isPresent();
    }

    private record PlannedNode(String id, NodeRole role, String datacenter, List<String> seedIds) {
    }

    private static List<PlannedNode> plan(Layout layout) {
        List<PlannedNode> nodes = new ArrayList<>();
        for (int g = 1; g <= layout.gates(); g++) {
            nodes.add(new PlannedNode("gate-" + g, NodeRole.GATE, null, g == 1 ? List.of() : List.of("gate-1")));
        }
        for (String dc : layout.datacenterNames()) {
            String firstManager = "manager-" + dc + "-1";
            for (int m = 1; m <= layout.managersPerDatacenter(); m++) {
                nodes.add(new PlannedNode("manager-" + dc + "-" + m, NodeRole.MANAGER, dc,
                        m == 1 ? List.of() : List.of(firstManager)));
            }
            for (int w = 1; w <= layout.workersPerDatacenter(); w++) {
                nodes.add(new PlannedNode("worker-" + dc + "-" + w, NodeRole.WORKER, dc, List.of(firstManager)));
            }
        }
        return nodes;
    }

    /** UDP ports of the nodes started so far, by id, so later nodes can name them as seeds. */
    private final Map<String, Integer> udpPorts = new LinkedHashMap<>();
    /** gRPC (Raft) ports of managers, taken for a whole datacenter at once so each can name the others. */
    private final Map<String, Integer> grpcPorts = new LinkedHashMap<>();
    /** The processes this command started, by node id, for their exit codes. */
    private final Map<String, Process> children = new LinkedHashMap<>();

    private ClusterState.Node launch(PlannedNode node, String bootstrapServers, Path jar, Layout layout)
            throws IOException {
        int http = FreePorts.tcp();
        List<String> raftPeers = new ArrayList<>();
        // Managers of a datacenter form one Raft group, the gates another.
        List<String> group = new ArrayList<>();
        if (node.role() == NodeRole.MANAGER) {
            for (int m = 1; m <= layout.managersPerDatacenter(); m++) {
                group.add("manager-" + node.datacenter() + "-" + m);
            }
        } else if (node.role() == NodeRole.GATE) {
            for (int g = 1; g <= layout.gates(); g++) {
                group.add("gate-" + g);
            }
        }
        for (String id : group) {
            raftPeers.add(id + "@127.0.0.1:" + grpcPorts.computeIfAbsent(id, key -> FreePorts.tcp()));
        }
        int grpc = grpcPorts.computeIfAbsent(node.id(), key -> FreePorts.tcp());
        int udp = FreePorts.udp();
        udpPorts.put(node.id(), udp);
        Path log = directory.resolve("logs").resolve(node.id() + ".log");

        List<String> command = new ArrayList<>();
        command.add(Processes.javaExecutable());
        command.add(marker(directory));
        command.add("-Xmx384m");
        command.addAll(layout.jvmOptions());
        command.add("-Dstampede.node.id=" + node.id());
        if (node.datacenter() != null) {
            command.add("-Dstampede.node.datacenter=" + node.datacenter());
        }
        command.add("-Dstampede.ports.http=" + http);
        command.add("-Dstampede.ports.grpc=" + grpc);
        command.add("-Dstampede.ports.udp=" + udp);
        command.add("-Dstampede.kafka.bootstrap-servers=" + bootstrapServers);
        if (raftPeers.size() > 1) {
            command.add("-Dstampede.leadership.peers=" + String.join(",", raftPeers));
        }
        if (node.role() != NodeRole.WORKER) {
            command.add("-Dstampede.leadership.storage=" + directory.resolve("raft").resolve(node.id()));
        }
        if (!node.seedIds().isEmpty()) {
            command.add("-Dstampede.node.seeds=" + String.join(",",
                    node.seedIds().stream().map(id -> "127.0.0.1:" + udpPorts.get(id)).toList()));
        }
        layout.nodeProperties().forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("-jar");
        command.add(jar.toString());

        Process process = new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        children.put(node.id(), process);
        return new ClusterState.Node(node.id(), node.role().label(), node.datacenter(),
                ClusterState.Started.of(process.toHandle()), http, grpc, udp, log);
    }

    private void awaitReady(ClusterState state, Instant deadline) {
        List<ClusterState.Node> pending = new ArrayList<>(state.nodes());
        Instant started = clock.instant();
        while (!pending.isEmpty()) {
            for (ClusterState.Node node : List.copyOf(pending)) {
                Optional<ProcessHandle> process = node.process().live(directory);
                if (process.isEmpty()) {
                    throw new NodeFailedException(node.id() + " exited" + exitCodeOf(node) + " before it was ready"
                            + tail(node.log()));
                }
                if (isReady(node)) {
                    pending.remove(node);
                    out.printf("  ready: %-22s %5.1f s%n", node.id(),
                            Duration.between(started, clock.instant()).toMillis() / 1000.0);
                    out.flush();
                }
            }
            if (!pending.isEmpty() && clock.instant().isAfter(deadline)) {
                ClusterState.Node first = pending.get(0);
                throw new NodeFailedException(first.id() + " did not become ready in time"
                        + (pending.size() > 1 ? " (nor did " + (pending.size() - 1) + " more)" : "")
                        + tail(first.log()));
            }
            if (!pending.isEmpty()) {
                sleep(POLL);
            }
        }
    }

    private String exitCodeOf(ClusterState.Node node) {
        Process process = children.get(node.id());
        return process == null || process.isAlive() ? "" : " with code " + process.exitValue();
    }

    private boolean isReady(ClusterState.Node node) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(node.url() + "/q/health/ready"))
                .timeout(PROBE_TIMEOUT).GET().build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + node.id());
        }
    }

    private static String tail(Path log) {
        List<String> lines = LogTail.lastLines(log, TAIL_LINES);
        if (lines.isEmpty()) {
            return "; its log " + log + " is empty";
        }
        return "; last lines of " + log + ":\n    " + String.join("\n    ", lines);
    }

    private static List<ClusterState.Started> processes(ClusterState state) {
        List<ClusterState.Started> all = new ArrayList<>();
        all.add(state.kafka());
        state.nodes().forEach(node -> all.add(node.process()));
        return all;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.delete(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear " + root, e);
        }
    }

    /** A node exited or did not become ready; the message holds the end of its log. */
    public static final class NodeFailedException extends RuntimeException {
        NodeFailedException(String message) {
            super(message);
        }
    }
}
