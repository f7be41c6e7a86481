package io.stampede.node.health;

import jakarta.inject.Singleton;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.stampede.node.config.NodeIdentity;

/**
 * The node process answers; names the node so a health response says whose it is. Asynchronous,
 * so it runs on the event loop and answers even while every worker thread is busy (a gate under a
 * flood of submissions, each waiting for its Raft commit): a busy node is not a dead one.
 */
@Liveness
@Singleton
public class NodeLiveness implements AsyncHealthCheck {

    private final NodeIdentity identity;

    public NodeLiveness(NodeIdentity identity) {
        this.identity = identity;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return Uni.createFrom().item(HealthCheckResponse.named("node")
                .withData("id", identity.id())
                .withData("role", identity.role().label())
                .up()
                .build());
    }
}
