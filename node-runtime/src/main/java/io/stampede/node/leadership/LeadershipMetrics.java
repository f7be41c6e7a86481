package io.stampede.node.leadership;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

/** Leadership as metrics: commands refused because no member of the group sent them. */
@Singleton
public class LeadershipMetrics {

    void register(@Observes StartupEvent event, NodeLeadership leadership, MeterRegistry registry) {
        FunctionCounter.builder("stampede.leadership.commands.refused", leadership, NodeLeadership::refusedCommands)
                .description("Raft commands this node, leading, refused: their client was no member of its group")
                .register(registry);
    }
}
