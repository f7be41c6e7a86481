package io.stampede.node.messaging;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jboss.logging.Logger;

import io.stampede.model.Topics;
import io.stampede.node.config.NodeConfig;
import io.stampede.node.config.NodeIdentity;

/**
 * Copies rejected records to {@link Topics#DEAD_LETTER} when {@code stampede.kafka.dead-letter} is
 * on: the value as it was read, with headers {@code stampede.source} (topic/partition@offset),
 * {@code stampede.reason} and {@code stampede.node}. A copy that fails is logged and given up: the
 * dead-letter topic never holds up a consumer.
 */
@Singleton
public class DeadLetters {

    private static final Logger LOG = Logger.getLogger(DeadLetters.class);

    private final boolean enabled;
    private final String node;
    private final Map<String, Object> clientProperties;
    private KafkaProducer<byte[], byte[]> producer;

    @Inject
    public DeadLetters(NodeConfig config, NodeIdentity identity, KafkaClients kafka) {
        this(config.kafka().deadLetter(), identity.id(), kafka.properties());
    }

    private DeadLetters(boolean enabled, String node, Map<String, Object> clientProperties) {
        this.enabled = enabled;
        this.node = node;
        this.clientProperties = clientProperties;
    }

    /** No copies: for code that runs outside a node. */
    public static DeadLetters none() {
        return new DeadLetters(false, "", Map.of());
    }

    /** Copies a rejected record, when copies are on. */
    public void copy(RecordInbox.Source source, byte[] value, String reason) {
        if (!enabled) {
            return;
        }
        ProducerRecord<byte[], byte[]> copy = new ProducerRecord<>(Topics.DEAD_LETTER, null, value);
        copy.headers().add("stampede.source", source.toString().getBytes(StandardCharsets.UTF_8));
        copy.headers().add("stampede.reason", reason.getBytes(StandardCharsets.UTF_8));
        copy.headers().add("stampede.node", node.getBytes(StandardCharsets.UTF_8));
        try {
            producer().send(copy, (metadata, failure) -> {
                if (failure != null) {
                    LOG.warnf("could not copy the record at %s to %s: %s", source, Topics.DEAD_LETTER,
                            failure.getMessage());
                }
            });
        } catch (RuntimeException e) {
            LOG.warnf("could not copy the record at %s to %s: %s", source, Topics.DEAD_LETTER, e.getMessage());
        }
    }

    private synchronized KafkaProducer<byte[], byte[]> producer() {
        if (producer == null) {
            Map<String, Object> properties = new java.util.HashMap<>(clientProperties);
            properties.putAll(Map.of(
                    ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MAX_MESSAGE_BYTES,
                    ProducerConfig.ACKS_CONFIG, "1",
                    ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000,
                    ProducerConfig.CLIENT_ID_CONFIG, "stampede-dead-letters-" + node));
            producer = new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer());
        }
        return producer;
    }

    @PreDestroy
    synchronized void close() {
        if (producer != null) {
            producer.close(java.time.Duration.ofSeconds(2));
        }
    }
}
