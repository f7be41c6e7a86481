package io.stampede.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.stampede.model.Topics;

/** The launcher against a real broker: one broker for the class, several scenarios on it. */
class LocalKafkaTest {

    @TempDir
    static Path directory;

    static LocalKafka kafka;

    @BeforeAll
    static void start() throws IOException {
        kafka = LocalKafka.start(LocalKafka.Options.in(directory.resolve("broker")).exitWithParent(true));
    }

    @AfterAll
    static void stop() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void createsEveryStampedeTopicWithItsPartitionsAndCompaction() throws Exception {
        kafka.createTopics(Topics.all(List.of("dc1", "dc2")), 4, Duration.ofSeconds(30));
        // Creating again is harmless: existing topics are left alone.
        kafka.createTopics(Topics.all(List.of("dc1")), 4, Duration.ofSeconds(30));

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            List<String> names = Topics.all(List.of("dc1", "dc2")).stream().map(Topics.TopicSpec::name).toList();
            Map<String, TopicDescription> topics = admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS);
            assertThat(topics).as("3 per datacenter, events, results and dead letters").hasSize(9);
            assertThat(topics.values()).allSatisfy(topic -> assertThat(topic.partitions()).hasSize(4));

            // The finished jobs' results: compacted, and deleted after their retention.
            ConfigResource results = new ConfigResource(ConfigResource.Type.TOPIC, Topics.JOB_RESULTS);
            // A topic just created may not be known to every part of the broker yet: ask until it is.
            org.awaitility.Awaitility.await().atMost(10, TimeUnit.SECONDS).ignoreExceptions().untilAsserted(() -> {
                var config = admin.describeConfigs(List.of(results)).all().get(10, TimeUnit.SECONDS).get(results);
                assertThat(config.get("cleanup.policy").value()).isEqualTo("compact,delete");
                assertThat(config.get("retention.ms").value()).isEqualTo(Long.toString(Topics.RESULTS_RETENTION_MILLIS));
            });
        }
    }

    @Test
    void carriesRecordsFromAProducerToAConsumer() {
        kafka.createTopics(List.of(new Topics.TopicSpec("roundtrip", false)), 1, Duration.ofSeconds(30));
        Properties producerProperties = new Properties();
        producerProperties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        producerProperties.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProperties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        try (var producer = new KafkaProducer<>(producerProperties, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>("roundtrip", "job-1", "hello")).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }

        Properties consumerProperties = new Properties();
        consumerProperties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        consumerProperties.put(ConsumerConfig.GROUP_ID_CONFIG, "roundtrip-test");
        consumerProperties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (var consumer = new KafkaConsumer<>(consumerProperties, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("roundtrip"));
            ConsumerRecords<String, String> records = ConsumerRecords.empty();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (records.isEmpty() && System.nanoTime() < deadline) {
                records = consumer.poll(Duration.ofMillis(500));
            }
            assertThat(records.count()).isEqualTo(1);
            assertThat(records.iterator().next().key()).isEqualTo("job-1");
            assertThat(records.iterator().next().value()).isEqualTo("hello");
        }
    }

    @Test
    void aBrokerThatCannotBindItsPortFailsWithItsLogAndLeavesNoProcess() throws IOException {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            LocalKafka.Options options = new LocalKafka.Options(directory.resolve("clash"), taken.getLocalPort(), 0,
                    true, Duration.ofSeconds(60), List.of("-Xmx256m"));

            assertThatThrownBy(() -> LocalKafka.start(options))
                    .isInstanceOf(BrokerStartException.class)
                    .hasMessageContaining("exited with code")
                    .hasMessageContaining("last lines of");
        }
        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive)
                .filter(child -> child.pid() != kafka.process().pid())).isEmpty();
    }

    @Test
    void aScramBrokerTakesOnlyClientsThatLogInWithItsUsersPassword() throws Exception {
        LocalKafka scram = LocalKafka.start(LocalKafka.Options.in(directory.resolve("scram")).exitWithParent(true)
                .scram("stampede", "s3cret-password"));
        try {
            assertThat(scram.security().protocol()).isEqualTo("SASL_PLAINTEXT");
            // Its own admin client logs in: the topics are made.
            scram.createTopics(Topics.all(List.of("dc1")), 1, Duration.ofSeconds(30));
            try (Admin admin = Admin.create(clientProperties(scram, scram.security().clientProperties()))) {
                assertThat(admin.listTopics().names().get(20, TimeUnit.SECONDS)).contains(Topics.JOB_EVENTS);
            }
            Map<String, Object> wrong = io.stampede.model.security.KafkaSecurity.scram("stampede", "guessed")
                    .clientProperties();
            try (Admin admin = Admin.create(clientProperties(scram, wrong))) {
                assertThatThrownBy(() -> admin.listTopics().names().get(20, TimeUnit.SECONDS))
                        .hasRootCauseInstanceOf(org.apache.kafka.common.errors.SaslAuthenticationException.class);
            }
            try (Admin admin = Admin.create(clientProperties(scram, Map.of()))) {
                assertThatThrownBy(() -> admin.listTopics().names().get(5, TimeUnit.SECONDS))
                        .as("a PLAINTEXT client gets nothing").isInstanceOfAny(java.util.concurrent.TimeoutException.class,
                                java.util.concurrent.ExecutionException.class);
            }
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(java.nio.file.Files.getPosixFilePermissions(
                    directory.resolve("scram/server.properties")))).as("it holds the password").isEqualTo("rw-------");
        } finally {
            scram.close();
        }
    }

    private static Properties clientProperties(LocalKafka broker, Map<String, Object> security) {
        Properties properties = new Properties();
        properties.putAll(security);
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_000);
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
        return properties;
    }

    @Test
    void stopsTheBrokerProcess() throws IOException {
        LocalKafka second = LocalKafka.start(LocalKafka.Options.in(directory.resolve("second")).exitWithParent(true));
        ProcessHandle process = second.process();
        assertThat(process.isAlive()).isTrue();

        second.close();

        assertThat(process.isAlive()).isFalse();
    }
}
