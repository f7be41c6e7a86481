package io.stampede.node.startup;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import jakarta.inject.Singleton;

import io.quarkus.runtime.StartupEvent;
import io.stampede.model.NodeRole;
import io.stampede.node.config.ControlTls;
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
        // A member's certificate must name the host its peers dial, where the founding peers list it
        // (a member they do not list is never dialled). Workers take no part in Raft.
        LeadershipSettings leadership = LeadershipSettings.of(config);
        Optional<String> reachedAt = identity.role() == NodeRole.WORKER ? Optional.empty()
                : peerHost(leadership, identity);
        problems.addAll(leadership.problems(reachedAt, Instant.now()));
        // A manager's control certificate must name the host gates probe it at; a gate's is a client's.
        // Workers answer and make no probes.
        if (identity.role() != NodeRole.WORKER) {
            problems.addAll(ControlTls.of(config).problems(identity.role() == NodeRole.MANAGER, config.ports().http(),
                    Instant.now()));
        }
        problems.addAll(LedgerSettings.problems(config.jobs()));
        problems.addAll(OverloadSettings.problems(config.overload()));
        problems.addAll(RoutingSettings.problems(config.routing()));
        problems.addAll(io.stampede.node.protocol.NodeProtocol.problems(config.protocol()));
        problems.addAll(apiKeys.problems());
        problems.addAll(io.stampede.node.messaging.KafkaClients.of(config.kafka()).problems());
        problems.addAll(io.stampede.node.messaging.RecordKeys.problems(config.security(), identity.role(),
                identity.id(), identity.datacenter()));
        problems.addAll(io.stampede.node.security.Targets.of(config).problems());
        if (!problems.isEmpty()) {
            throw new InvalidSettingsException(problems);
        }
    }

    /** The host a member's Raft peers dial, where the founding peers list it; a peers entry that does not parse is a problem of its own. */
    private static Optional<String> peerHost(LeadershipSettings leadership, NodeIdentity identity) {
        try {
            return leadership.own(identity.id()).map(io.stampede.cluster.net.HostPort::host);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
