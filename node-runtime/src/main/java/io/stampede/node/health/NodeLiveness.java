package io.stampede.node.health;

import jakarta.inject.Singleton;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

import io.stampede.node.config.NodeIdentity;

/** The node process answers; names the node so a health response says whose it is. */
@Liveness
@Singleton
public class NodeLiveness implements HealthCheck {

    private final NodeIdentity identity;

    public NodeLiveness(NodeIdentity identity) {
        this.identity = identity;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("node")
                .withData("id", identity.id())
                .withData("role", identity.role().label())
                .up()
                .build();
    }
}
