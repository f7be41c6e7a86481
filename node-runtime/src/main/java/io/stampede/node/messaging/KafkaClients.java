package io.stampede.node.messaging;

import java.util.HashMap;
import java.util.Map;

import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.Config;

import io.smallrye.reactive.messaging.ClientCustomizer;
import io.stampede.model.security.KafkaSecurity;
import io.stampede.node.config.NodeConfig;

/**
 * The settings every Kafka client of this node shares ({@code stampede.kafka.*}): the bootstrap
 * servers and the security settings. Applied to every client of every Kafka channel (as a
 * {@link ClientCustomizer}) and given to the clients the node makes itself ({@link #properties}).
 */
@Singleton
public class KafkaClients implements ClientCustomizer<Map<String, Object>> {

    private final String bootstrapServers;
    private final KafkaSecurity security;

    public KafkaClients(NodeConfig config) {
        this.bootstrapServers = config.kafka().bootstrapServers();
        this.security = of(config.kafka());
    }

    /** The security settings of {@code stampede.kafka.*}. */
    public static KafkaSecurity of(NodeConfig.Kafka kafka) {
        return new KafkaSecurity(kafka.securityProtocol(), kafka.saslMechanism(), kafka.saslUsername(),
                kafka.saslPassword(), kafka.truststore(), kafka.truststorePassword(), kafka.truststoreType());
    }

    public KafkaSecurity security() {
        return security;
    }

    /** The bootstrap servers and the security settings, for a client of the node's own; add what else it needs. */
    public Map<String, Object> properties() {
        Map<String, Object> properties = new HashMap<>(security.clientProperties());
        properties.put("bootstrap.servers", bootstrapServers);
        return properties;
    }

    @Override
    public Map<String, Object> customize(String channel, Config channelConfig, Map<String, Object> config) {
        config.putAll(security.clientProperties());
        return config;
    }
}
