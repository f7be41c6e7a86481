package io.stampede.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import io.stampede.local.LocalKafka;
import io.stampede.model.Topics;

/**
 * One real broker per test JVM, started on first use in a temporary directory and stopped (and the
 * directory deleted) when the JVM exits. The broker also exits by itself if the test JVM is killed.
 */
public final class SharedKafka {

    /** Datacenters whose topics exist on the shared broker from the start. */
    public static final List<String> DATACENTERS = List.of("dc1", "dc2");

    /** Partitions of every topic created on the shared broker. */
    public static final int PARTITIONS = 3;

    private static LocalKafka broker;

    private SharedKafka() {
    }

    /** The broker, started if this is the first call. */
    public static synchronized LocalKafka get() {
        if (broker == null) {
            broker = start();
        }
        return broker;
    }

    /** Bootstrap servers of the shared broker. */
    public static String bootstrapServers() {
        return get().bootstrapServers();
    }

    private static LocalKafka start() {
        try {
            Path directory = Files.createTempDirectory("stampede-kafka-");
            LocalKafka kafka = LocalKafka.start(LocalKafka.Options.in(directory).exitWithParent(true));
            kafka.createTopics(Topics.all(DATACENTERS), PARTITIONS, Duration.ofSeconds(30));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                kafka.close();
                deleteRecursively(directory);
            }, "stop-shared-kafka"));
            return kafka;
        } catch (IOException e) {
            throw new UncheckedIOException("the test broker did not start", e);
        }
    }

    static void deleteRecursively(Path directory) {
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // Best effort: a temporary directory left behind is not worth failing a run for.
        }
    }
}
