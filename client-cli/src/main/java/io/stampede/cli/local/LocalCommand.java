package io.stampede.cli.local;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

import io.stampede.cli.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "local", mixinStandardHelpOptions = true,
        description = "Run a whole Stampede cluster on this machine: a real Kafka broker, gates, managers and"
                + " workers as child processes on loopback. State and logs go to .stampede/local.",
        subcommands = {LocalCommand.Up.class, LocalCommand.Status.class, LocalCommand.Restart.class,
                LocalCommand.Down.class})
public final class LocalCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = ".stampede/local",
            description = "Where the cluster's state, data and logs live (default: ${DEFAULT-VALUE}).")
    Path directory;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    LocalCluster cluster(CommandSpec command) {
        return new LocalCluster(directory(), command.commandLine().getOut(), command.commandLine().getErr(),
                Clock.systemUTC());
    }

    /** The cluster directory, absolute. */
    Path directory() {
        return directory.toAbsolutePath().normalize();
    }

    /**
     * Prints the cluster; with {@code live}, probes each process once for its state. Returns
     * whether the broker runs and every node is ready (always true when not live).
     */
    static boolean printTable(PrintWriter out, LocalCluster cluster, ClusterState state, boolean live) {
        Map<ClusterState.Node, String> health = live ? cluster.health(state) : null;
        boolean brokerRunning = !live || cluster.brokerRunning(state);
        Table table = new Table("ROLE", "ID", "DATACENTER", "PID", "HTTP", "STATE");
        table.row("kafka", "kafka", null, state.kafka().pid(), state.bootstrapServers(),
                brokerRunning ? "running" : "stopped");
        for (ClusterState.Node node : state.nodes()) {
            table.row(node.role(), node.id(), node.datacenter(), node.process().pid(), node.url(),
                    live ? health.get(node) : "ready");
        }
        table.print(out);
        return brokerRunning && (health == null || health.values().stream().allMatch("ready"::equals));
    }

    @Command(name = "up", mixinStandardHelpOptions = true,
            description = "Start Kafka and the nodes, wait until every node is ready, print them and return."
                    + " Does nothing if a cluster is already running here; fails at once (exit 1) while another"
                    + " `local up` is starting one here. Ctrl-C stops what was started.")
    static final class Up implements Callable<Integer> {

        @ParentCommand
        LocalCommand parent;

        @Spec
        CommandSpec spec;

        @Option(names = "--datacenters", defaultValue = "2", description = "Datacenters (default: ${DEFAULT-VALUE}).")
        int datacenters;

        @Option(names = "--managers-per-dc", defaultValue = "1",
                description = "Managers in each datacenter (default: ${DEFAULT-VALUE}).")
        int managers;

        @Option(names = "--workers-per-dc", defaultValue = "2",
                description = "Workers in each datacenter (default: ${DEFAULT-VALUE}).")
        int workers;

        @Option(names = "--gates", defaultValue = "1", description = "Gates (default: ${DEFAULT-VALUE}).")
        int gates;

        @Option(names = "--partitions", defaultValue = "3",
                description = "Partitions of each Stampede topic (default: ${DEFAULT-VALUE}).")
        int partitions;

        @Option(names = "--timeout", defaultValue = "120", paramLabel = "SECONDS",
                description = "How long everything may take to become ready (default: ${DEFAULT-VALUE} s).")
        int timeoutSeconds;

        @Option(names = "--node-jvm-option", paramLabel = "OPTION",
                description = "An extra JVM option for every node, e.g. --node-jvm-option=-Xmx1g (repeatable).")
        List<String> jvmOptions = new ArrayList<>();

        @Option(names = "--rtt", paramLabel = "DC=DURATION", split = ",",
                description = "Simulate a distant datacenter: its managers answer the gates' probes this much"
                        + " later, e.g. --rtt dc2=40ms,dc3=80ms. Only routing sees it; the load does not.")
        Map<String, String> rtt = new LinkedHashMap<>();

        @Option(names = "--kafka-auth", paramLabel = "none|scram", defaultValue = "none",
                description = "How nodes log in to the cluster's Kafka broker: none (PLAINTEXT), or scram (SASL_PLAINTEXT"
                        + " with SCRAM-SHA-256, a generated password in the credentials file). Default: ${DEFAULT-VALUE}.")
        KafkaAuth kafkaAuth;

        @Option(names = "--tls", paramLabel = "control|raft", split = ",", converter = TlsConverter.class,
                description = "Run the gates' probes (control), Raft (raft, experimental) or both (--tls control,raft)"
                        + " over mutual TLS, with an authority and certificates made for this cluster in"
                        + " .stampede/local/tls. Default: neither.")
        Set<LocalTls> tls = new java.util.TreeSet<>();

        @Option(names = {"-D", "--node-property"}, paramLabel = "KEY=VALUE",
                description = "A configuration property for every node, e.g. -D quarkus.log.level=DEBUG"
                        + " (repeatable; overrides what local sets).")
        Map<String, String> nodeProperties = new LinkedHashMap<>();

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            // A bad layout is a bad command line: it is refused before anything is touched.
            Map<String, Duration> simulated = new LinkedHashMap<>();
            for (Map.Entry<String, String> entry : rtt.entrySet()) {
                try {
                    simulated.put(entry.getKey(), io.stampede.model.job.Durations.parse(entry.getValue()));
                } catch (IllegalArgumentException e) {
                    throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                            "--rtt " + entry.getKey() + ": " + e.getMessage());
                }
            }
            LocalCluster.Layout layout = new LocalCluster.Layout(datacenters, managers, workers, gates, partitions,
                    Duration.ofSeconds(timeoutSeconds), jvmOptions, nodeProperties, simulated,
                    kafkaAuth == KafkaAuth.scram, tls, List.of());
            LocalCluster cluster = parent.cluster(spec);
            StartLock lock;
            try {
                lock = cluster.lockForStart();
            } catch (StartLock.HeldElsewhere e) {
                err.println("stampede local up: " + e.getMessage());
                return ExitCodes.FAILURE;
            }
            // The lock is held from the check to the end of the start, so two `up`s never both find
            // no cluster and start one each.
            try (lock) {
                Optional<ClusterState> running = cluster.running();
                if (running.isPresent()) {
                    out.println("A local cluster is already running in " + running.get().directory()
                            + "; nothing was changed. `stampede local down` stops it.");
                    printTable(out, cluster, running.get(), true);
                    return ExitCodes.OK;
                }
                ClusterState state = cluster.upHoldingLock(layout, Distribution.locate());
                printTable(out, cluster, state, false);
                out.println();
                out.println("Logs: " + state.directory().resolve("logs") + "   Stop: stampede local down");
                return ExitCodes.OK;
            } catch (LocalCluster.NodeFailedException e) {
                err.println("stampede local up: " + e.getMessage());
                return ExitCodes.FAILURE;
            } catch (StartUp.Abandoned e) {
                // Stopped by a shutdown hook; upHoldingLock waits for the JVM to halt instead, so
                // this is only a safety net.
                return ExitCodes.FAILURE;
            }
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Print the cluster's processes with their live health. Exit code 0 only when every"
                    + " node is ready.")
    static final class Status implements Callable<Integer> {

        @ParentCommand
        LocalCommand parent;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            LocalCluster cluster = parent.cluster(spec);
            Optional<ClusterState> state = cluster.running();
            if (state.isEmpty()) {
                out.println("No local cluster is running in " + parent.directory() + ".");
                return ExitCodes.FAILURE;
            }
            return printTable(out, cluster, state.get(), true) ? ExitCodes.OK : ExitCodes.FAILURE;
        }
    }

    @Command(name = "restart", mixinStandardHelpOptions = true,
            description = "Kill one node and start it again under the same id, on the same ports and with its"
                    + " Raft storage, as a crash and a restart would; return once it is ready. A running job goes"
                    + " on: see docs/failure-modes.md for what each role does.")
    static final class Restart implements Callable<Integer> {

        @ParentCommand
        LocalCommand parent;

        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Parameters(paramLabel = "NODE_ID",
                description = "The node to restart, as `stampede local status` lists it (e.g. worker-dc1-2).")
        String id;

        @Option(names = "--graceful", description = "Stop it with SIGTERM (a clean shutdown) instead of SIGKILL.")
        boolean graceful;

        @Option(names = "--timeout", defaultValue = "120", paramLabel = "SECONDS",
                description = "How long it may take to become ready again (default: ${DEFAULT-VALUE} s).")
        int timeoutSeconds;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            LocalCluster cluster = parent.cluster(spec);
            StartLock lock;
            try {
                lock = cluster.lockForStart();
            } catch (StartLock.HeldElsewhere e) {
                err.println("stampede local restart: " + e.getMessage());
                return ExitCodes.FAILURE;
            }
            try (lock) {
                Optional<ClusterState> state = cluster.running();
                if (state.isEmpty()) {
                    err.println("stampede local restart: no local cluster is running in " + parent.directory() + ".");
                    return ExitCodes.FAILURE;
                }
                cluster.restart(state.get(), id, graceful ? LocalCluster.Stop.TERMINATE : LocalCluster.Stop.KILL,
                        Duration.ofSeconds(timeoutSeconds));
                return ExitCodes.OK;
            } catch (IllegalArgumentException | LocalCluster.NodeFailedException e) {
                err.println("stampede local restart: " + e.getMessage());
                return ExitCodes.FAILURE;
            }
        }
    }

    @Command(name = "down", mixinStandardHelpOptions = true,
            description = "Stop every process `local up` started here (SIGTERM, then SIGKILL after a grace"
                    + " period) and nothing else. Logs are kept.")
    static final class Down implements Callable<Integer> {

        @ParentCommand
        LocalCommand parent;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            LocalCluster cluster = parent.cluster(spec);
            Optional<ClusterState> state = ClusterState.load(parent.directory());
            if (state.isEmpty()) {
                out.println("Nothing to stop: no local cluster was started in " + parent.directory() + ".");
                return ExitCodes.OK;
            }
            int stopped = cluster.down(state.get());
            out.println("Stopped " + stopped + " process" + (stopped == 1 ? "" : "es") + ". Logs are in "
                    + state.get().directory().resolve("logs") + ".");
            return ExitCodes.OK;
        }
    }

    /** How nodes log in to the local cluster's broker. */
    enum KafkaAuth {
        none, scram
    }

    /** Reads {@code --tls}'s parts by their labels. */
    static final class TlsConverter implements picocli.CommandLine.ITypeConverter<LocalTls> {
        @Override
        public LocalTls convert(String value) {
            for (LocalTls part : LocalTls.values()) {
                if (part.label().equals(value.strip())) {
                    return part;
                }
            }
            throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not control or raft");
        }
    }
}
