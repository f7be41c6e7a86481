package io.stampede.node.health;

import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.stampede.node.config.NodeIdentity;
import io.stampede.node.messaging.KafkaClients;

/** A node is ready only while it can reach Kafka, which carries all of its work. */
@Readiness
@Singleton
public class KafkaReadiness implements HealthCheck {

    /** How long one readiness probe may wait for the broker, in milliseconds. */
    private static final int PROBE_TIMEOUT_MS = 2_000;

    private final String bootstrapServers;
    private final KafkaClients kafka;
    private Admin admin;

    public KafkaReadiness(NodeIdentity identity, KafkaClients kafka) {
        this.bootstrapServers = identity.settings().kafkaBootstrapServers();
        this.kafka = kafka;
    }

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("kafka").withData("bootstrapServers", bootstrapServers);
        try {
            int brokers = admin().describeCluster().nodes().get(PROBE_TIMEOUT_MS, TimeUnit.MILLISECONDS).size();
            return response.withData("brokers", brokers).status(brokers > 0).build();
        } catch (ExecutionException | TimeoutException e) {
            return response.withData("error", "no answer from Kafka: " + e.getClass().getSimpleName()).down().build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return response.down().build();
        }
    }

    private synchronized Admin admin() {
        if (admin == null) {
            Map<String, Object> properties = kafka.properties();
            properties.putAll(Map.of(
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, PROBE_TIMEOUT_MS,
                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, PROBE_TIMEOUT_MS,
                    AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1_000));
            admin = Admin.create(properties);
        }
        return admin;
    }

    @PreDestroy
    synchronized void close() {
        if (admin != null) {
            admin.close();
        }
    }
}
