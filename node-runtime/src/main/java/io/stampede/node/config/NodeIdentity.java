package io.stampede.node.config;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.stampede.model.NodeRole;

/**
 * Who this node is, fixed for the life of the process. Each service contributes its
 * {@link NodeRole} as a CDI bean; everything else comes from {@link NodeConfig}.
 */
public record NodeIdentity(String id, NodeRole role, Optional<String> datacenter, Instant startedAt,
        NodeSettings settings) {

    /** Produces the identity and the clock the node runs on. */
    @Singleton
    public static final class Producer {

        @Produces
        @Singleton
        Clock clock() {
            return Clock.systemUTC();
        }

        @Produces
        @Singleton
        io.stampede.node.protocol.NodeProtocol protocol(NodeConfig config) {
            return io.stampede.node.protocol.NodeProtocol.of(config.protocol());
        }

        @Produces
        @Singleton
        NodeIdentity identity(NodeRole role, NodeConfig config, Clock clock) {
            NodeSettings settings = NodeSettings.of(role, config);
            return new NodeIdentity(settings.resolveId(new SecureRandom()), role, settings.datacenter(),
                    clock.instant(), settings);
        }
    }
}
