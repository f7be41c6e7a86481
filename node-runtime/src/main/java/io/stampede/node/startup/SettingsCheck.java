package io.stampede.node.startup;

import java.util.ArrayList;
import java.util.List;

import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import jakarta.inject.Singleton;

import io.quarkus.runtime.StartupEvent;
import io.stampede.node.config.LeadershipSettings;
import io.stampede.node.config.MembershipSettings;
import io.stampede.node.config.NodeConfig;
import io.stampede.node.config.NodeIdentity;
import io.stampede.node.config.NodeSettings;
import io.stampede.node.config.OverloadSettings;
import io.stampede.node.config.RoutingSettings;
import io.stampede.node.jobs.LedgerSettings;

/** Refuses to start a node whose settings are wrong, before it talks to anyone. */
@Singleton
public class SettingsCheck {

    /** Runs before any other start-up work (Kafka channels included), so a bad setting is named first. */
    void onStart(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event, NodeIdentity identity,
            NodeConfig config, io.stampede.node.security.ApiKeyRegistry apiKeys) {
        NodeSettings settings = identity.settings();
        List<String> problems = new ArrayList<>(settings.problems());
        problems.addAll(MembershipSettings.of(config).problems(identity.role(), identity.datacenter()));
        problems.addAll(LeadershipSettings.of(config).problems());
        problems.addAll(LedgerSettings.problems(config.jobs()));
        problems.addAll(OverloadSettings.problems(config.overload()));
        problems.addAll(RoutingSettings.problems(config.routing()));
        problems.addAll(io.stampede.node.protocol.NodeProtocol.problems(config.protocol()));
        problems.addAll(apiKeys.problems());
        problems.addAll(io.stampede.node.messaging.KafkaClients.of(config.kafka()).problems());
        problems.addAll(io.stampede.node.messaging.RecordKeys.problems(config.security()));
        problems.addAll(io.stampede.node.security.Targets.of(config).problems());
        if (!problems.isEmpty()) {
            throw new InvalidSettingsException(problems);
        }
    }
}
