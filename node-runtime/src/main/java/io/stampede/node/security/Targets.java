package io.stampede.node.security;

import java.util.List;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.stampede.model.security.TargetPolicy;
import io.stampede.node.config.NodeConfig;

/** The node's {@link TargetPolicy}, from {@code stampede.targets.*}; problems stop the node at start. */
@Singleton
public class Targets {

    /** The policy and the problems with its settings. */
    public static TargetPolicy.Parsed of(NodeConfig config) {
        NodeConfig.Targets targets = config.targets();
        return TargetPolicy.of(targets.allow().orElse(List.of()), targets.deny().orElse(List.of()),
                targets.allowLoopback(), targets.allowPrivate());
    }

    @Produces
    @Singleton
    TargetPolicy policy(NodeConfig config) {
        return of(config).policy();
    }
}
