package io.stampede.node.metrics;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import io.quarkus.runtime.StartupEvent;
import io.stampede.model.Stampede;
import io.stampede.node.config.NodeIdentity;

import jakarta.enterprise.event.Observes;

/**
 * Every metric of a node carries its id, role and datacenter, so one Prometheus can scrape a whole
 * cluster. {@code stampede_node_info} is 1 and carries the version.
 */
@Singleton
public class NodeMetrics {

    @Produces
    @Singleton
    MeterFilter nodeTags(NodeIdentity identity) {
        return MeterFilter.commonTags(Tags.of(
                "node", identity.id(),
                "role", identity.role().label(),
                "datacenter", identity.datacenter().orElse("none")));
    }

    void register(@Observes StartupEvent event, MeterRegistry registry) {
        Gauge.builder("stampede.node.info", () -> 1).tag("version", Stampede.VERSION)
                .description("1 for every running node; the version is a tag").register(registry);
    }
}
