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
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.stampede.local.FreePorts;
import io.stampede.local.LocalKafka;
import io.stampede.local.LogTail;
import io.stampede.local.Processes;
import io.stampede.model.NodeRole;
import io.stampede.model.Topics;

/**
 * A Stampede cluster on this machine: a real Kafka broker and every node as a child process on
 * loopback, with state and logs under one directory (by default {@code .stampede/local}).
 *
 * <p>Every child runs in a session of its own ({@link Processes#inOwnSession}), so Ctrl-C in the
 * terminal reaches only the command; while {@link #up} runs, a shutdown hook stops what it has
 * started (see {@link StartUp}). One {@code up} at a time per directory ({@link StartLock}).
 */
public final class LocalCluster {

    /** Lines of a failed node's log shown to the user. */
    private static final int TAIL_LINES = 25;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration POLL = Duration.ofMillis(250);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    /**
     * {@code local down} and a failed {@code up}: a node gets 10 s after SIGTERM and the broker 15 s,
     * enough for a clean shutdown (Raft storage closed, broker log flushed) on a loaded laptop.
     */
    private static final Duration NODE_GRACE = Duration.ofSeconds(10);
    private static final Duration BROKER_GRACE = Duration.ofSeconds(15);
    /**
     * Ctrl-C during {@code up}: someone is waiting at the terminal and the cluster was never used,
     * so 5 s for the nodes (together), then 5 s for the broker, then SIGKILL. A node that has not
     * finished starting stops in well under a second; the broker takes one to three.
     */
    private static final Duration INTERRUPT_NODE_GRACE = Duration.ofSeconds(5);
    private static final Duration INTERRUPT_BROKER_GRACE = Duration.ofSeconds(5);

    private final Path directory;
    private final PrintWriter out;
    private final PrintWriter err;
    private final Clock clock;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(PROBE_TIMEOUT)
            .version(HttpClient.Version.HTTP_1_1).build();

    /** Progress goes to {@code out}; what a Ctrl-C during {@link #up} does goes to standard error. */
    public LocalCluster(Path directory, PrintWriter out, Clock clock) {
        this(directory, out, new PrintWriter(System.err, true), clock);
    }

    /** Progress goes to {@code out}; what a Ctrl-C during {@link #up} does goes to {@code err}. */
    public LocalCluster(Path directory, PrintWriter out, PrintWriter err, Clock clock) {
        this.directory = directory.toAbsolutePath().normalize();
        this.out = out;
        this.err = err;
        this.clock = clock;
    }

    /**
     * What to start.
     *
     * @param tls what of the cluster's own traffic runs over mutual TLS, with certificates local
     *            makes ({@code --tls control,raft}); a part whose settings are among the node
     *            properties is left to them
     * @param rtt a simulated round trip per datacenter, added to its managers' probe answers
     *            ({@code --rtt dc2=40ms}); datacenters not named answer at once
     * @param controlPlaneJvmOptions JVM options for the gates and managers only, after {@code jvmOptions}
     */
    public record Layout(int datacenters, int managersPerDatacenter, int workersPerDatacenter, int gates,
            int partitions, Duration timeout, List<String> jvmOptions, Map<String, String> nodeProperties,
            Map<String, Duration> rtt, boolean kafkaScram, Set<LocalTls> tls, List<String> controlPlaneJvmOptions) {

        public Layout(int datacenters, int managersPerDatacenter, int workersPerDatacenter, int gates,
                int partitions, Duration timeout, List<String> jvmOptions, Map<String, String> nodeProperties) {
            this(datacenters, managersPerDatacenter, workersPerDatacenter, gates, partitions, timeout, jvmOptions,
                    nodeProperties, Map.of(), false, Set.of(), List.of());
        }

        public Layout {
            rtt = Map.copyOf(rtt);
            tls = Set.copyOf(tls);
            for (Map.Entry<String, Duration> simulated : rtt.entrySet()) {
                require(IntStream.rangeClosed(1, datacenters).anyMatch(i -> ("dc" + i).equals(simulated.getKey())),
                        "--rtt names " + simulated.getKey() + ", which is not one of dc1..dc" + datacenters);
                require(!simulated.getValue().isNegative() && simulated.getValue().compareTo(Duration.ofSeconds(10)) <= 0,
                        "--rtt " + simulated.getKey() + " must be between 0 and 10 s");
            }
            require(datacenters >= 1, "--datacenters must be at least 1");
            require(managersPerDatacenter >= 1, "--managers-per-dc must be at least 1");
            require(workersPerDatacenter >= 1, "--workers-per-dc must be at least 1");
            require(gates >= 1, "--gates must be at least 1");
            require(partitions >= 1, "--partitions must be at least 1");
            jvmOptions = List.copyOf(jvmOptions);
            nodeProperties = Map.copyOf(nodeProperties);
            controlPlaneJvmOptions = List.copyOf(controlPlaneJvmOptions);
        }

        /** This layout with {@code properties} as its node properties. */
        Layout withNodeProperties(Map<String, String> properties) {
            return new Layout(datacenters, managersPerDatacenter, workersPerDatacenter, gates, partitions, timeout,
                    jvmOptions, properties, rtt, kafkaScram, tls, controlPlaneJvmOptions);
        }

        /** This layout with {@code options} for its gates and managers only. */
        public Layout withControlPlaneJvmOptions(List<String> options) {
            return new Layout(datacenters, managersPerDatacenter, workersPerDatacenter, gates, partitions, timeout,
                    jvmOptions, nodeProperties, rtt, kafkaScram, tls, options);
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
     * What node {@code id} of {@code role} of the local cluster in {@code clusterDirectory} gets in
     * its environment: its secrets (the API key's hash, the membership and record keys, a record key
     * of its own certified by its role). For a process started like one of its nodes, outside this class.
     */
    public static Map<String, String> nodeEnvironment(Path clusterDirectory, NodeRole role, String id,
            String datacenter) {
        return LocalSecrets.read(clusterDirectory).nodeEnvironment(role, id, datacenter);
    }

    /**
     * How a client logs in to the broker at {@code bootstrapServers}, when it is the broker of the
     * local cluster in {@code clusterDirectory} and that cluster's nodes log in with SCRAM.
     */
    public static Optional<io.stampede.model.security.KafkaSecurity> kafkaSecurity(Path clusterDirectory,
            String bootstrapServers) {
        return secretsFor(clusterDirectory, bootstrapServers).flatMap(LocalSecrets::kafka);
    }

    /**
     * How the records on the broker at {@code bootstrapServers} are signed, when it is the broker of
     * the local cluster in {@code clusterDirectory}.
     */
    public static Optional<io.stampede.model.security.RecordSigning> recordSigning(Path clusterDirectory,
            String bootstrapServers) {
        return secretsFor(clusterDirectory, bootstrapServers).map(LocalSecrets::recordSigning);
    }

    /** The secrets of the local cluster in {@code clusterDirectory}, when its broker is at {@code bootstrapServers}. */
    private static Optional<LocalSecrets> secretsFor(Path clusterDirectory, String bootstrapServers) {
        try {
            Optional<ClusterState> state = ClusterState.load(clusterDirectory);
            if (state.isEmpty() || !state.get().bootstrapServers().equals(bootstrapServers)
                    || !Files.isRegularFile(clusterDirectory.resolve(io.stampede.cli.gate.Credentials.LOCAL_FILE))) {
                return Optional.empty();
            }
            return Optional.of(LocalSecrets.read(clusterDirectory));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * How the records of the local cluster in {@code clusterDirectory} are signed: for a process
     * that writes records to its topics like one of its nodes (a test's).
     */
    public static io.stampede.model.security.RecordSigning recordSigning(Path clusterDirectory) {
        return LocalSecrets.read(clusterDirectory).recordSigning();
    }

    /**
     * How the nodes of {@code role} of the local cluster in {@code clusterDirectory} sign their
     * records, their role's signature included: for a test that writes records as one of them.
     */
    public static io.stampede.model.security.RecordSigning recordSigning(Path clusterDirectory, NodeRole role) {
        return LocalSecrets.read(clusterDirectory).recordSigning(Optional.of(role));
    }

    /**
     * How node {@code id} of {@code role} (in {@code datacenter}, empty for a gate) of the local
     * cluster in {@code clusterDirectory} signs its records, with a key of its own certified now: for
     * a test that writes records as that node.
     */
    public static io.stampede.model.security.RecordSigning recordSigning(Path clusterDirectory, NodeRole role,
            String id, String datacenter) {
        return LocalSecrets.read(clusterDirectory).recordSigning(role, id, datacenter);
    }

    /** The address every node of a local cluster listens on. */
    static final String LOOPBACK = "127.0.0.1";

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
     * Takes this directory's start lock without waiting, for a caller that checks {@link #running()}
     * and then calls {@link #upHoldingLock} before closing it.
     *
     * @throws StartLock.HeldElsewhere when another {@code local up} is starting a cluster here
     */
    StartLock lockForStart() throws IOException {
        return StartLock.acquire(directory);
    }

    /**
     * Starts the broker and every node, waits until all are ready and returns their state. On any
     * failure everything started is stopped and the exception says what went wrong.
     *
     * @throws StartLock.HeldElsewhere when another {@code local up} is starting a cluster here
     * @throws IllegalStateException when a cluster already runs here
     */
    public ClusterState up(Layout layout, Distribution distribution) throws IOException {
        try (StartLock lock = lockForStart()) {
            if (running().isPresent()) {
                throw new IllegalStateException("a local cluster is already running in " + directory
                        + "; `stampede local down` stops it");
            }
            return upHoldingLock(layout, distribution);
        }
    }

    /**
     * {@link #up}, for a caller that holds the start lock and has checked that no cluster runs here.
     * Until it returns, Ctrl-C (a JVM shutdown hook) stops what it has started and says so once on
     * the error stream, and the JVM then exits with code 130 (128 + SIGINT); this method does not
     * return in that case.
     */
    ClusterState upHoldingLock(Layout layout, Distribution distribution) throws IOException {
        StartUp startUp = new StartUp();
        Thread stopOnInterrupt = new Thread(() -> stopAfterInterrupt(startUp), "stop-on-interrupt");
        Runtime.getRuntime().addShutdownHook(stopOnInterrupt);
        try {
            return start(layout, distribution, startUp);
        } catch (StartUp.Abandoned e) {
            if (stopOnInterrupt.getState() != Thread.State.NEW) {
                // Only the hook abandons a start-up, and a hook runs only while the JVM shuts down.
                // Returning would race the halt to System.exit with another exit code, and print
                // more; the hook has said all there is to say.
                awaitJvmHalt();
            }
            throw e;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(stopOnInterrupt);
            } catch (IllegalStateException e) {
                // The JVM is already shutting down and the hook is running.
            }
        }
    }

    /**
     * {@code requested}, with the properties that give every node the certificates {@code --tls}
     * asks for, made anew in the cluster's {@code tls} directory; a part whose settings the user
     * gives is left to them whole, so that a node never mixes the user's files with local's.
     */
    private Layout withCertificates(Layout requested) throws IOException {
        Path tlsDirectory = directory.resolve("tls");
        deleteRecursively(tlsDirectory);
        Set<LocalTls> parts = new java.util.TreeSet<>(requested.tls());
        for (LocalTls part : requested.tls()) {
            if (part.setIn(requested.nodeProperties())) {
                parts.remove(part);
                out.printf("--tls %s: the -D %s* settings given are used instead of certificates made here.%n",
                        part.label(), part.prefix());
            }
        }
        if (parts.isEmpty()) {
            return requested;
        }
        Map<String, String> properties = new LinkedHashMap<>(LocalTls.configure(parts, tlsDirectory));
        properties.putAll(requested.nodeProperties());
        out.printf("%s over mutual TLS, with certificates valid for %d days in %s (private keys mode 600).%n",
                String.join(" and ", parts.stream().map(part -> part == LocalTls.CONTROL
                        ? "The gates' probes run" : "Raft runs (experimental)").toList()),
                LocalTls.VALIDITY.toDays(), tlsDirectory);
        return requested.withNodeProperties(properties);
    }

    private ClusterState start(Layout requested, Distribution distribution, StartUp startUp) throws IOException {
        Map<NodeRole, Path> jars = new LinkedHashMap<>();
        for (NodeRole role : NodeRole.values()) {
            jars.put(role, distribution.serviceJar(role));
        }
        ClusterState.delete(directory);
        Path kafkaDirectory = directory.resolve("kafka");
        deleteRecursively(kafkaDirectory);
        deleteRecursively(directory.resolve("raft"));
        Files.createDirectories(directory.resolve("logs"));
        LocalSecrets secrets = LocalSecrets.create(directory, System.getenv(LocalSecrets.API_KEY_VARIABLE),
                requested.kafkaScram(), new java.security.SecureRandom());
        out.printf("The API key is in %s (mode 600); stampede commands run here use it.%n",
                directory.resolve(io.stampede.cli.gate.Credentials.LOCAL_FILE));
        Layout layout = withCertificates(requested);
        Instant began = clock.instant(); // after the certificates: --timeout is the nodes' to become ready

        out.printf("Starting Kafka in %s ...%n", kafkaDirectory);
        out.flush();
        try {
            // The state is saved as soon as each process has started, under the start-up's monitor,
            // so that `local down` can stop a half-started cluster and nothing is saved after a stop.
            record Broker(LocalKafka kafka, ClusterState state) {
            }
            Broker broker = startUp.ifStarting(() -> {
                LocalKafka.Options options = LocalKafka.Options.in(kafkaDirectory)
                        .startTimeout(layout.timeout()).jvmOption(marker(directory));
                LocalKafka kafka = LocalKafka.launch(secrets.kafka().isEmpty() ? options
                        : options.scram(secrets.kafka().get().username().orElseThrow(),
                                secrets.kafka().get().password().orElseThrow()));
                startUp.recordBroker(kafka.process());
                ClusterState state = new ClusterState(directory, began, ClusterState.Started.of(kafka.process()),
                        kafka.bootstrapServers(), List.of());
                state.save();
                return new Broker(kafka, state);
            });
            LocalKafka kafka = broker.kafka();
            kafka.awaitReady();
            kafka.createTopics(Topics.all(layout.datacenterNames()), layout.partitions(), layout.timeout());
            out.printf("Kafka is up at %s (pid %d). Starting %d nodes ...%n", kafka.bootstrapServers(),
                    kafka.process().pid(), plan(layout).size());
            out.flush();
            ClusterState state = broker.state();
            for (PlannedNode node : plan(layout)) {
                ClusterState before = state;
                state = startUp.ifStarting(() -> {
                    ClusterState after = before.withNode(
                            launch(node, before.bootstrapServers(), jars.get(node.role()), layout, startUp));
                    after.save();
                    return after;
                });
            }
            awaitReady(state, began.plus(layout.timeout()), startUp);
            awaitPlaceable(state, layout.datacenterNames(), began.plus(layout.timeout()), startUp);
            startUp.ready();
            out.printf("All %d nodes are ready after %.1f s.%n", state.nodes().size(),
                    Duration.between(began, clock.instant()).toMillis() / 1000.0);
            return state;
        } catch (IOException | RuntimeException e) {
            if (!startUp.claimStop()) {
                // Ctrl-C: the shutdown hook has stopped everything and told the user.
                throw new StartUp.Abandoned();
            }
            out.println("Stopping everything that was started ...");
            out.flush();
            stopStarted(startUp, NODE_GRACE, BROKER_GRACE);
            throw e;
        }
    }

    /** Ctrl-C during {@link #up}: stop what was started rather than leave half a cluster. */
    private void stopAfterInterrupt(StartUp startUp) {
        if (!startUp.claimStop()) {
            // Either the cluster is up and stays, or a failed start has just stopped it and said so.
            return;
        }
        err.println("interrupted: stopping the local cluster in " + directory + " ...");
        err.flush();
        StartUp.Stopped stopped = stopStarted(startUp, INTERRUPT_NODE_GRACE, INTERRUPT_BROKER_GRACE);
        err.println(stopped.complete()
                ? "stopped " + describe(stopped.gone())
                : "stopped " + stopped.gone() + " of " + describe(stopped.started())
                        + "; `stampede local down` stops the rest");
        err.flush();
    }

    /** Stops what {@code startUp} started and, when all of it is gone, forgets the cluster. */
    private StartUp.Stopped stopStarted(StartUp startUp, Duration nodeGrace, Duration brokerGrace) {
        StartUp.Stopped stopped = startUp.stopAll(nodeGrace, brokerGrace);
        if (stopped.complete()) {
            try {
                ClusterState.delete(directory);
            } catch (IOException e) {
                // A state file whose processes are all gone counts as no cluster running.
            }
        }
        return stopped;
    }

    /** Parks this thread for good: the JVM is shutting down and halts once its hooks are done. */
    private static void awaitJvmHalt() {
        while (true) {
            LockSupport.park();
        }
    }

    private static String describe(int processes) {
        return processes + (processes == 1 ? " process" : " processes");
    }

    /**
     * Stops every process of {@code state} that is still ours: the nodes together first, then the
     * broker they were using.
     */
    public int down(ClusterState state) throws IOException {
        List<ProcessHandle> nodes = new ArrayList<>();
        for (ClusterState.Node node : state.nodes()) {
            node.process().live(directory).ifPresent(nodes::add);
        }
        int stopped = Processes.stopAll(nodes, NODE_GRACE);
        stopped += Processes.stopAll(state.kafka().live(directory).stream().toList(), BROKER_GRACE);
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

    private ClusterState.Node launch(PlannedNode node, String bootstrapServers, Path jar, Layout layout,
            StartUp startUp) throws IOException {
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
        if (node.role() != NodeRole.WORKER) {
            command.addAll(layout.controlPlaneJvmOptions());
        }
        command.add("-Dstampede.node.id=" + node.id());
        if (node.datacenter() != null) {
            command.add("-Dstampede.node.datacenter=" + node.datacenter());
        }
        // Every port on loopback only: a local cluster is reachable from this machine alone.
        command.add("-Dquarkus.http.host=" + LOOPBACK);
        command.add("-Dstampede.membership.bind-host=" + LOOPBACK);
        // Its targets are usually on this machine or its network: loopback and private ranges are allowed.
        command.add("-Dstampede.targets.allow-loopback=true");
        command.add("-Dstampede.targets.allow-private=true");
        command.add("-Dstampede.ports.http=" + http);
        command.add("-Dstampede.ports.grpc=" + grpc);
        command.add("-Dstampede.ports.udp=" + udp);
        if (node.role() == NodeRole.MANAGER) {
            // Where it answers probes once given stampede.control.tls.* (a -D of its own, or the environment).
            command.add("-Dstampede.ports.control=" + FreePorts.tcp());
        }
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
        if (node.role() == NodeRole.GATE) {
            command.add("-Dstampede.routing.expected-datacenters=" + String.join(",", layout.datacenterNames()));
        }
        if (node.role() == NodeRole.MANAGER && layout.rtt().containsKey(node.datacenter())) {
            command.add("-Dstampede.routing.simulated-rtt=" + layout.rtt().get(node.datacenter()).toMillis() + "ms");
        }
        layout.nodeProperties().forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("-jar");
        command.add(jar.toString());

        Process process = spawn(command, node.role(), node.id(), node.datacenter(),
                ProcessBuilder.Redirect.to(log.toFile()));
        startUp.recordNode(process.toHandle());
        children.put(node.id(), process);
        return new ClusterState.Node(node.id(), node.role().label(), node.datacenter(),
                ClusterState.Started.of(process.toHandle()), http, grpc, udp, log, command);
    }

    /** Starts a node's command in a session of its own, in the cluster directory, its output to {@code log}. */
    private Process spawn(List<String> command, NodeRole role, String id, String datacenter,
            ProcessBuilder.Redirect log) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(Processes.inOwnSession(command));
        // Secrets go in the environment, which only this user may read, never on the command line.
        // Never a key from the user's own shell (one for another installation, say), which would
        // contradict what the node is given here and keep it from starting.
        builder.environment().keySet().removeIf(name -> name.startsWith("STAMPEDE_SECURITY_RECORD_"));
        builder.environment().putAll(LocalSecrets.read(directory).nodeEnvironment(role, id,
                datacenter == null ? "" : datacenter));
        return builder
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
    }

    /** How a node was stopped by {@link #restart}. */
    public enum Stop {
        /** SIGKILL: a crash, as a node dies in production. */
        KILL,
        /** SIGTERM, then SIGKILL after the grace period: a clean shutdown. */
        TERMINATE
    }

    /**
     * Stops one node and starts it again under its id, on its ports, with its Raft storage, and
     * waits until it is ready. Its log goes on in the same file. It is given every other node of its
     * membership cluster (the gates, or its datacenter) as a seed, since the node it was first
     * given may be the one that is gone now.
     *
     * @return the state with the node's new process, saved
     * @throws IllegalArgumentException when the cluster has no such node, or cannot restart it
     * @throws NodeFailedException      when it exits or is not ready within {@code timeout}
     */
    public ClusterState restart(ClusterState state, String id, Stop stop, Duration timeout) throws IOException {
        ClusterState.Node node = state.node(id).orElseThrow(() -> new IllegalArgumentException("no node " + id
                + " in the cluster in " + directory + "; its nodes are "
                + String.join(", ", state.nodes().stream().map(ClusterState.Node::id).toList())));
        if (node.command() == null) {
            throw new IllegalArgumentException("the cluster in " + directory + " was started by an earlier stampede,"
                    + " which did not record how; `stampede local down` and `up` again to restart nodes");
        }
        Optional<ProcessHandle> running = node.process().live(directory);
        if (running.isPresent()) {
            out.printf("Stopping %s (pid %d, %s) ...%n", id, running.get().pid(),
                    stop == Stop.KILL ? "SIGKILL" : "SIGTERM");
            out.flush();
            if (stop == Stop.KILL) {
                running.get().destroyForcibly();
                Processes.awaitExit(running.get(), NODE_GRACE);
            } else {
                Processes.stop(running.get(), NODE_GRACE);
            }
        }
        List<String> command = new ArrayList<>(node.command().stream()
                .filter(argument -> !argument.startsWith("-Dstampede.node.seeds=")).toList());
        // Its own membership cluster only: the gates, or its datacenter's managers and workers.
        List<String> seeds = state.nodes().stream().filter(other -> !other.id().equals(id))
                .filter(other -> java.util.Objects.equals(other.datacenter(), node.datacenter()))
                .map(other -> "127.0.0.1:" + other.udpPort()).toList();
        if (!seeds.isEmpty()) {
            command.add(command.indexOf("-jar"), "-Dstampede.node.seeds=" + String.join(",", seeds));
        }
        Process process = spawn(command, NodeRole.ofLabel(node.role()).orElseThrow(), id, node.datacenter(),
                ProcessBuilder.Redirect.appendTo(node.log().toFile()));
        children.put(id, process);
        ClusterState.Node again = node.restartedAs(ClusterState.Started.of(process.toHandle()));
        ClusterState after = state.withReplaced(again);
        after.save();
        Instant began = clock.instant();
        out.printf("Started %s again (pid %d); waiting until it is ready ...%n", id, process.pid());
        out.flush();
        while (!isReady(again)) {
            if (!process.isAlive()) {
                throw new NodeFailedException(id + " exited" + exitCodeOf(again) + " before it was ready" + tail(again.log()));
            }
            if (clock.instant().isAfter(began.plus(timeout))) {
                throw new NodeFailedException(id + " did not become ready in time" + tail(again.log()));
            }
            sleep(POLL);
        }
        out.printf("%s is ready again after %.1f s.%n", id, Duration.between(began, clock.instant()).toMillis() / 1000.0);
        out.flush();
        return after;
    }

    private void awaitReady(ClusterState state, Instant deadline, StartUp startUp) {
        List<ClusterState.Node> pending = new ArrayList<>(state.nodes());
        Instant started = clock.instant();
        while (!pending.isEmpty()) {
            for (ClusterState.Node node : List.copyOf(pending)) {
                if (startUp.stopping()) {
                    // Ctrl-C: the nodes are being stopped on purpose; none of them has failed.
                    throw new StartUp.Abandoned();
                }
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

    /**
     * Waits until every gate can place a job in every datacenter: each lists them all as healthy
     * (a manager that has reported, with a worker that takes new shares). Only then does {@code
     * local up} return, so a {@code run} straight after it is placed at once.
     */
    private void awaitPlaceable(ClusterState state, List<String> datacenters, Instant deadline, StartUp startUp) {
        Instant started = clock.instant();
        List<ClusterState.Node> gates = state.nodes().stream().filter(node -> node.role().equals("gate")).toList();
        List<ClusterState.Node> pending = new ArrayList<>(gates);
        while (!pending.isEmpty()) {
            if (startUp.stopping()) {
                throw new StartUp.Abandoned();
            }
            pending.removeIf(gate -> healthyOn(gate).containsAll(datacenters));
            if (!pending.isEmpty() && clock.instant().isAfter(deadline)) {
                ClusterState.Node first = pending.get(0);
                throw new NodeFailedException(first.id() + " could not place a job in time: it sees "
                        + healthyOn(first) + " healthy of " + datacenters + tail(first.log()));
            }
            if (!pending.isEmpty()) {
                sleep(POLL);
            }
        }
        out.printf("  every gate can place jobs in %s: %5.1f s%n", String.join(", ", datacenters),
                Duration.between(started, clock.instant()).toMillis() / 1000.0);
        out.flush();
    }

    /** The datacenters a gate calls healthy now; none when it does not answer. */
    private List<String> healthyOn(ClusterState.Node gate) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(gate.url() + "/api/v1/datacenters"))
                .header("Authorization", "Bearer " + LocalSecrets.read(directory).apiKey())
                .timeout(PROBE_TIMEOUT).GET().build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return List.of();
            }
            List<String> healthy = new ArrayList<>();
            for (JsonNode view : JSON.readTree(response.body())) {
                if (view.path("healthy").asBoolean()) {
                    healthy.add(view.path("name").asText());
                }
            }
            return healthy;
        } catch (IOException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + gate.id());
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
