package io.stampede.testkit;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import java.util.function.Function;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import io.stampede.model.NodeRole;
import io.stampede.model.security.KafkaSecurity;
import io.stampede.model.security.RecordRoles;
import io.stampede.model.security.RecordSigning;
import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.RecordCodec;
import io.stampede.model.wire.RecordType;

/**
 * A test's hands on a real broker: writes records (valid or garbage) and watches topics, keeping
 * every record that decodes.
 */
public final class KafkaProbe implements AutoCloseable {

    private final String bootstrapServers;
    private final KafkaSecurity security;
    /** How a record written to a topic is signed, by the topic and the record (each role signs what it writes). */
    private final BiFunction<String, byte[], RecordSigning> signing;
    private final KafkaProducer<String, byte[]> producer;
    private final List<Watch> watches = new CopyOnWriteArrayList<>();

    public KafkaProbe(String bootstrapServers) {
        this(bootstrapServers, KafkaSecurity.PLAINTEXT);
    }

    /** On a broker that wants clients to log in (SASL) or speak TLS. */
    public KafkaProbe(String bootstrapServers, KafkaSecurity security) {
        this(bootstrapServers, security, RecordSigning.off());
    }

    /** For a cluster that signs its records: what this probe writes is signed like a node's. */
    public KafkaProbe(String bootstrapServers, KafkaSecurity security, RecordSigning signing) {
        this(bootstrapServers, security, topic -> signing);
    }

    /**
     * For a cluster whose nodes also sign their records as their role: what this probe writes to a
     * topic is signed as {@code signing} says for that topic (as a node of a role that writes it).
     */
    public KafkaProbe(String bootstrapServers, KafkaSecurity security, Function<String, RecordSigning> signing) {
        this(bootstrapServers, security, (topic, value) -> signing.apply(topic));
    }

    /**
     * For a cluster whose nodes sign their records as their role: a record is signed as the role
     * that writes its type ({@link RecordType#writer}) when that role writes its topic, otherwise as
     * the first role that writes the topic (a record of no known type, or of another topic's type).
     */
    public static KafkaProbe signingAs(String bootstrapServers, KafkaSecurity security,
            Map<NodeRole, RecordSigning> byRole) {
        return new KafkaProbe(bootstrapServers, security, (String topic, byte[] value) -> {
            Set<NodeRole> writers = RecordRoles.writers(topic);
            NodeRole role = RecordCodec.type(value).map(RecordType::writer).filter(writers::contains)
                    .orElse(writers.stream().findFirst().orElse(NodeRole.GATE));
            return byRole.get(role);
        });
    }

    private KafkaProbe(String bootstrapServers, KafkaSecurity security,
            BiFunction<String, byte[], RecordSigning> signing) {
        this.bootstrapServers = bootstrapServers;
        this.security = security;
        this.signing = signing;
        Properties properties = new Properties();
        properties.putAll(security.clientProperties());
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        this.producer = new KafkaProducer<>(properties, new StringSerializer(), new ByteArraySerializer());
    }

    /** Writes raw bytes, signed when this probe signs, and waits until the broker has them. */
    public void send(String topic, String key, byte[] value) {
        send(topic, key, value, signing.apply(topic, value).on());
    }

    /** Writes raw bytes without a MAC, as whoever does not hold the cluster's record key would. */
    public void sendUnsigned(String topic, String key, byte[] value) {
        send(topic, key, value, false);
    }

    /**
     * Writes raw bytes with exactly these headers (a forged signature, a claimed role), and waits
     * until the broker has them.
     */
    public void sendWithHeaders(String topic, String key, byte[] value, Map<String, byte[]> headers) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, value);
        headers.forEach(record.headers()::add);
        write(topic, record);
    }

    private void send(String topic, String key, byte[] value, boolean signed) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, value);
        if (signed) {
            signing.apply(topic, value).headers(topic, key, value).forEach(record.headers()::add);
        }
        write(topic, record);
    }

    private void write(String topic, ProducerRecord<String, byte[]> record) {
        try {
            producer.send(record).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not write to " + topic, e);
        }
    }

    /** Writes a record, keyed by its job id. */
    public void send(String topic, Envelope envelope) {
        send(topic, envelope.subject().key(), RecordCodec.encode(envelope));
    }

    /** Starts collecting every readable record of {@code topic}, from its beginning. */
    public Watch watch(String topic) {
        Watch watch = new Watch(topic);
        watches.add(watch);
        watch.thread.start();
        return watch;
    }

    /** The records of one topic, collected as they arrive. */
    public final class Watch {
        private final List<Envelope> envelopes = new CopyOnWriteArrayList<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        private Watch(String topic) {
            this.thread = new Thread(() -> poll(topic), "watch-" + topic);
            thread.setDaemon(true);
        }

        public List<Envelope> envelopes() {
            return List.copyOf(envelopes);
        }

        /** Records about one job (or worker, for heartbeats). */
        public List<Envelope> about(String key) {
            return envelopes.stream().filter(envelope -> envelope.subject().key().equals(key)).toList();
        }

        private void poll(String topic) {
            Properties properties = new Properties();
            properties.putAll(security.clientProperties());
            properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(properties, new StringDeserializer(),
                    new ByteArrayDeserializer())) {
                List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                        .map(info -> new TopicPartition(topic, info.partition())).toList();
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                while (running.get()) {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                        if (RecordCodec.decode(record.value()) instanceof RecordCodec.Accepted accepted) {
                            envelopes.add(accepted.envelope());
                        }
                    }
                }
            }
        }
    }

    @Override
    public void close() {
        watches.forEach(watch -> watch.running.set(false));
        producer.close(Duration.ofSeconds(5));
    }
}
