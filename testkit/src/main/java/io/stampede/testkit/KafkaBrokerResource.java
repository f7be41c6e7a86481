package io.stampede.testkit;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Quarkus test resource pointing the application under test at the shared real broker:
 * {@code @QuarkusTestResource(KafkaBrokerResource.class)}. The broker outlives the application so
 * several test classes share it.
 */
public final class KafkaBrokerResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        String servers = SharedKafka.bootstrapServers();
        return Map.of("stampede.kafka.bootstrap-servers", servers, "kafka.bootstrap.servers", servers);
    }

    @Override
    public void stop() {
        // The broker belongs to the JVM, not to one application start: see SharedKafka.
    }
}
