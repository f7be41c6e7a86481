package io.stampede.cli.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * What {@code stampede local up} started, saved in {@code .stampede/local/cluster.json} after every
 * process start so that {@code down} can stop exactly those processes, even after an interrupted
 * {@code up}.
 */
public record ClusterState(Path directory, Instant startedAt, Started kafka, String bootstrapServers,
        List<Node> nodes) {

    static final String FILE = "cluster.json";

    private static final ObjectMapper JSON = new ObjectMapper()
            .findAndRegisterModules()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public ClusterState {
        nodes = List.copyOf(nodes);
    }

    /**
     * A process we started: its pid and the start time the operating system reported, so that a
     * later process reusing the pid is never mistaken for ours.
     */
    public record Started(long pid, long startedAtEpochMilli) {

        static Started of(ProcessHandle process) {
            return new Started(process.pid(), process.info().startInstant().map(Instant::toEpochMilli).orElse(0L));
        }

        /** The process, if it is still the one we started. */
        Optional<ProcessHandle> live(Path clusterDirectory) {
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(process -> {
                long actual = process.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
                boolean sameStart = startedAtEpochMilli == 0 || actual == 0 || actual == startedAtEpochMilli;
                boolean ours = process.info().arguments()
                        .map(arguments -> List.of(arguments).contains(LocalCluster.marker(clusterDirectory)))
                        .orElse(true);
                return sameStart && ours;
            });
        }
    }

    /**
     * A node we started.
     *
     * @param command how it was started (without the wrapper that gives it a session of its own),
     *                so {@code local restart} starts it again the same way; null in a state file
     *                written before restarts existed
     */
    public record Node(String id, String role, String datacenter, Started process, int httpPort, int grpcPort,
            int udpPort, Path log, List<String> command) {

        public Node {
            command = command == null ? null : List.copyOf(command);
        }

        String url() {
            return "http://127.0.0.1:" + httpPort;
        }

        Node restartedAs(Started again) {
            return new Node(id, role, datacenter, again, httpPort, grpcPort, udpPort, log, command);
        }
    }

    ClusterState withNode(Node node) {
        List<Node> more = new ArrayList<>(nodes);
        more.add(node);
        return new ClusterState(directory, startedAt, kafka, bootstrapServers, more);
    }

    /** This state with {@code node} in place of the node of the same id. */
    ClusterState withReplaced(Node node) {
        return new ClusterState(directory, startedAt, kafka, bootstrapServers,
                nodes.stream().map(existing -> existing.id().equals(node.id()) ? node : existing).toList());
    }

    Optional<Node> node(String id) {
        return nodes.stream().filter(node -> node.id().equals(id)).findFirst();
    }

    static Optional<ClusterState> load(Path directory) throws IOException {
        Path file = directory.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        return Optional.of(JSON.readValue(file.toFile(), ClusterState.class));
    }

    void save() throws IOException {
        Files.createDirectories(directory);
        Path temporary = directory.resolve(FILE + ".tmp");
        JSON.writeValue(temporary.toFile(), this);
        Files.move(temporary, directory.resolve(FILE), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    static void delete(Path directory) throws IOException {
        Files.deleteIfExists(directory.resolve(FILE));
    }
}
