package io.stampede.local;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;

import io.stampede.model.security.KafkaSecurity;
import org.apache.kafka.common.errors.TopicExistsException;

import io.stampede.model.Topics.TopicSpec;

/**
 * A real single-node Kafka broker (KRaft, broker and controller in one process) running in a JVM of
 * its own, on loopback ports.
 *
 * <p>Lifecycle: {@link #start(Options)} writes the configuration, starts the JVM and returns once
 * the broker answers an admin request ({@link #launch(Options)} then {@link #awaitReady()} do the
 * same in two steps, for a caller that records the broker's pid before it is ready);
 * {@link #createTopics} creates topics; {@link #close()} stops the JVM (SIGTERM, then SIGKILL after
 * a grace period).
 *
 * <p>The broker runs in a session of its own ({@link Processes#inOwnSession}): Ctrl-C in the
 * terminal reaches the program that started it, which decides when the broker stops (after the
 * nodes that use it).
 */
public final class LocalKafka implements AutoCloseable {

    private static final String CLASSPATH_RESOURCE = "broker.classpath";
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(250);

    private final Process process;
    private final ProcessHandle handle;
    private final String bootstrapServers;
    private final KafkaSecurity security;
    private final Path directory;
    private final Path logFile;
    private final Duration startTimeout;

    private LocalKafka(Process process, String bootstrapServers, Path directory, Path logFile,
            Duration startTimeout, KafkaSecurity security) {
        this.security = security;
        this.process = process;
        this.handle = process.toHandle();
        this.bootstrapServers = bootstrapServers;
        this.directory = directory;
        this.logFile = logFile;
        this.startTimeout = startTimeout;
    }

    /** How clients connect to this broker: PLAINTEXT, or SASL/SCRAM as its user. */
    public KafkaSecurity security() {
        return security;
    }

    /**
     * How to run the broker.
     *
     * @param directory      where its configuration, data and log go (created if missing)
     * @param port           the client port, 0 for a free one
     * @param controllerPort the KRaft controller port, 0 for a free one
     * @param exitWithParent whether the broker stops when the starting JVM dies (tests); a broker for
     *                       {@code stampede local} outlives the command that started it
     * @param startTimeout   how long the broker may take to answer
     * @param jvmOptions     extra options for the broker JVM
     * @param scram          a user clients must log in as over SASL/SCRAM-SHA-256 (its
     *                       {@link KafkaSecurity#scram}), or null for PLAINTEXT
     */
    public record Options(Path directory, int port, int controllerPort, boolean exitWithParent,
            Duration startTimeout, List<String> jvmOptions, KafkaSecurity scram) {

        public Options(Path directory, int port, int controllerPort, boolean exitWithParent, Duration startTimeout,
                List<String> jvmOptions) {
            this(directory, port, controllerPort, exitWithParent, startTimeout, jvmOptions, null);
        }

        /** A broker in {@code directory} on free ports, 60 s to start, 512 MiB of heap. */
        public static Options in(Path directory) {
            return new Options(directory, 0, 0, false, Duration.ofSeconds(60), List.of("-Xmx512m"));
        }

        public Options exitWithParent(boolean value) {
            return new Options(directory, port, controllerPort, value, startTimeout, jvmOptions, scram);
        }

        public Options startTimeout(Duration value) {
            return new Options(directory, port, controllerPort, exitWithParent, value, jvmOptions, scram);
        }

        /** These options plus one more JVM option. */
        public Options jvmOption(String option) {
            List<String> more = new ArrayList<>(jvmOptions);
            more.add(option);
            return new Options(directory, port, controllerPort, exitWithParent, startTimeout, List.copyOf(more), scram);
        }

        /**
         * A broker that takes clients only over SASL_PLAINTEXT, logging in with SCRAM-SHA-256 as
         * {@code user} (made when its storage is formatted). Its user and password must be letters,
         * digits, dashes and underscores.
         */
        public Options scram(String user, String password) {
            if (!user.matches("[A-Za-z0-9_-]+") || !password.matches("[A-Za-z0-9_-]+")) {
                throw new IllegalArgumentException("a SCRAM user and password are letters, digits, dashes and underscores");
            }
            return new Options(directory, port, controllerPort, exitWithParent, startTimeout, jvmOptions,
                    KafkaSecurity.scram(user, password));
        }

        /** How clients connect: PLAINTEXT, or SASL/SCRAM as the broker's user. */
        public KafkaSecurity security() {
            return scram == null ? KafkaSecurity.PLAINTEXT : scram;
        }
    }

    /** Starts a broker and waits until it answers. */
    public static LocalKafka start(Options options) throws IOException {
        LocalKafka kafka = launch(options);
        kafka.awaitReady();
        return kafka;
    }

    /**
     * Starts the broker JVM and returns at once, before the broker answers, so that the caller can
     * record its pid first; {@link #awaitReady()} then waits for it.
     */
    public static LocalKafka launch(Options options) throws IOException {
        Path directory = options.directory().toAbsolutePath();
        Files.createDirectories(directory);
        int port = options.port() == 0 ? FreePorts.tcp() : options.port();
        int controllerPort = options.controllerPort() == 0 ? FreePorts.tcp() : options.controllerPort();
        Path properties = directory.resolve("server.properties");
        Path logConfig = directory.resolve("log4j2.properties");
        Path logFile = directory.resolve("broker.log");
        // Holds the SCRAM user's password, when there is one: for this user's eyes only.
        Files.deleteIfExists(properties);
        Files.createFile(properties, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        Files.writeString(properties, serverProperties(directory.resolve("data"), port, controllerPort, options.scram()));
        Files.writeString(logConfig, LOG_CONFIG);

        List<String> command = new ArrayList<>();
        command.add(Processes.javaExecutable());
        command.addAll(options.jvmOptions());
        command.add("-Dlog4j2.configurationFile=" + logConfig);
        command.add("-Dstampede.broker.exit-with-parent=" + options.exitWithParent());
        command.add("-Dstampede.broker.dir=" + directory);
        // The classpath goes in an argument file: a short command line stays readable in ps and
        // in ProcessHandle.Info, which is how `stampede local down` recognises its own processes.
        Path classpathFile = directory.resolve("classpath.args");
        Files.writeString(classpathFile, "-cp \"" + brokerClasspath().replace("\\", "\\\\") + "\"\n");
        command.add("@" + classpathFile);
        command.add(BrokerMain.class.getName());
        command.add(Uuid.randomUuid().toString());
        command.add(properties.toString());

        ProcessBuilder builder = new ProcessBuilder(Processes.inOwnSession(command))
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        if (!options.exitWithParent()) {
            builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        }
        if (options.scram() != null) {
            // The user is made when the storage is formatted (BrokerMain), from its environment.
            builder.environment().put(BrokerMain.SCRAM_USER, options.scram().username().orElseThrow() + ":"
                    + options.scram().password().orElseThrow());
        }
        Process process = builder.start();
        return new LocalKafka(process, "127.0.0.1:" + port, directory, logFile, options.startTimeout(),
                options.security());
    }

    /**
     * Waits until the broker answers an admin request, up to the start timeout of its options. When
     * it exits first or does not answer in time, it is stopped and the exception holds the end of
     * its log.
     */
    public void awaitReady() throws BrokerStartException {
        try {
            awaitReady(startTimeout);
        } catch (BrokerStartException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The {@code bootstrap.servers} value for clients. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The broker JVM. */
    public ProcessHandle process() {
        return handle;
    }

    /** The broker's log: its own output and Kafka's log lines. */
    public Path logFile() {
        return logFile;
    }

    /** Where configuration and data live. */
    public Path directory() {
        return directory;
    }

    /**
     * Creates the topics that do not exist yet, each with {@code partitions} partitions and its
     * settings ({@link TopicSpec#configs}). Retries while the freshly started broker is not yet
     * able to place replicas.
     */
    public void createTopics(Collection<TopicSpec> topics, int partitions, Duration timeout) {
        createTopics(bootstrapServers, security, topics, partitions, timeout);
    }

    /** As {@link #createTopics(Collection, int, Duration)}, against any broker. */
    public static void createTopics(String bootstrapServers, Collection<TopicSpec> topics, int partitions,
            Duration timeout) {
        createTopics(bootstrapServers, KafkaSecurity.PLAINTEXT, topics, partitions, timeout);
    }

    /** As {@link #createTopics(Collection, int, Duration)}, against any broker, logging in as {@code security} says. */
    public static void createTopics(String bootstrapServers, KafkaSecurity security, Collection<TopicSpec> topics,
            int partitions, Duration timeout) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
        }
        Instant deadline = Instant.now().plus(timeout);
        try (Admin admin = admin(bootstrapServers, security)) {
            List<NewTopic> missing = new ArrayList<>();
            Set<String> existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            for (TopicSpec topic : topics) {
                if (!existing.contains(topic.name())) {
                    NewTopic newTopic = new NewTopic(topic.name(), partitions, (short) 1);
                    newTopic.configs(topic.configs());
                    missing.add(newTopic);
                }
            }
            while (!missing.isEmpty()) {
                List<NewTopic> failed = new ArrayList<>();
                Exception lastError = null;
                var results = admin.createTopics(missing).values();
                for (NewTopic topic : missing) {
                    try {
                        results.get(topic.name()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (ExecutionException e) {
                        if (!(e.getCause() instanceof TopicExistsException)) {
                            failed.add(topic);
                            lastError = e;
                        }
                    }
                }
                if (!failed.isEmpty() && Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("could not create topics "
                            + failed.stream().map(NewTopic::name).collect(Collectors.joining(", ")) + ": "
                            + lastError.getCause().getMessage(), lastError);
                }
                if (!failed.isEmpty()) {
                    sleep(POLL);
                }
                missing = failed;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not list topics on " + bootstrapServers + ": " + e, e);
        }
    }

    /** Stops the broker: SIGTERM, then SIGKILL after 10 s. */
    @Override
    public void close() {
        closeStdin();
        Processes.stop(handle, STOP_GRACE);
    }

    private void closeStdin() {
        try {
            OutputStream stdin = process.getOutputStream();
            stdin.close();
        } catch (IOException e) {
            // Already closed: nothing to do.
        }
    }

    private void awaitReady(Duration timeout) throws BrokerStartException {
        Instant deadline = Instant.now().plus(timeout);
        try (Admin admin = admin(bootstrapServers, security)) {
            while (true) {
                if (!handle.isAlive()) {
                    throw new BrokerStartException("the Kafka broker exited with code " + process.exitValue()
                            + " before it was ready", logFile);
                }
                try {
                    if (!admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    // Not answering yet.
                }
                if (Instant.now().isAfter(deadline)) {
                    throw new BrokerStartException("the Kafka broker did not answer within "
                            + timeout.toSeconds() + " s", logFile);
                }
                sleep(POLL);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BrokerStartException("interrupted while waiting for the Kafka broker", logFile);
        }
    }

    private static Admin admin(String bootstrapServers, KafkaSecurity security) {
        Properties properties = new Properties();
        properties.putAll(security.clientProperties());
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000);
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 4_000);
        properties.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
        return Admin.create(properties);
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The broker JVM's classpath: the jars the build recorded, then this module's own classes (for
     * {@link BrokerMain}).
     */
    static String brokerClasspath() {
        String recorded;
        try (InputStream in = LocalKafka.class.getResourceAsStream(CLASSPATH_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the resource " + CLASSPATH_RESOURCE
                        + " is missing: build Stampede with Maven first");
            }
            recorded = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> entries = new ArrayList<>();
        for (String entry : recorded.split(File.pathSeparator)) {
            if (!Files.exists(Path.of(entry))) {
                throw new IllegalStateException("a Kafka broker jar is missing: " + entry
                        + " (run `mvn -DskipTests install` to fetch it again)");
            }
            entries.add(entry);
        }
        entries.add(ownLocation());
        return String.join(File.pathSeparator, entries);
    }

    private static String ownLocation() {
        try {
            return Path.of(BrokerMain.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the Stampede local runtime classes", e);
        }
    }

    static String serverProperties(Path dataDirectory, int port, int controllerPort, KafkaSecurity scram) {
        String listener = scram == null ? "PLAINTEXT" : "SASL_PLAINTEXT";
        String sasl = scram == null ? "" : String.join("\n",
                "# Clients log in with SASL/SCRAM-SHA-256; the broker itself too, as the same user.",
                "sasl.enabled.mechanisms=SCRAM-SHA-256",
                "sasl.mechanism.inter.broker.protocol=SCRAM-SHA-256",
                "listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=" + scram.clientProperties().get("sasl.jaas.config"),
                "");
        return String.join("\n",
                "# Written by Stampede: one process is both the KRaft controller and the broker.",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=" + listener + "://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=" + listener + "://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=" + listener,
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT," + listener + ":" + listener,
                sasl,
                "log.dirs=" + dataDirectory,
                "num.partitions=3",
                "auto.create.topics.enable=false",
                "# One broker: every internal topic has one replica. Few partitions start faster.",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=5",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "transaction.state.log.num.partitions=5",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "")
                + "\n";
    }

    private static final String LOG_CONFIG = String.join("\n",
            "# Written by Stampede: the broker logs warnings and its start/stop lines to standard output.",
            "appender.console.type=Console",
            "appender.console.name=console",
            "appender.console.layout.type=PatternLayout",
            "appender.console.layout.pattern=%d{ISO8601} %-5p [%c{1}] %m%n",
            "rootLogger.level=WARN",
            "rootLogger.appenderRef.console.ref=console",
            "logger.server.name=kafka.server.KafkaRaftServer",
            "logger.server.level=INFO",
            "logger.broker.name=kafka.server.BrokerServer",
            "logger.broker.level=INFO",
            "");
}
