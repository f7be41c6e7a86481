package io.stampede.node.health;

import jakarta.inject.Singleton;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.stampede.model.load.LoadState;
import io.stampede.node.load.NodeLoad;

/**
 * A STRESSED or OVERLOADED node is not ready: it takes no new work (a gate no new submissions from
 * a load balancer, a worker no new shares) until it is back to BUSY or better.
 */
@Readiness
@Singleton
public class LoadReadiness implements HealthCheck {

    private final NodeLoad load;

    public LoadReadiness(NodeLoad load) {
        this.load = load;
    }

    @Override
    public HealthCheckResponse call() {
        LoadState state = load.state();
        return HealthCheckResponse.named("load").withData("state", state.name())
                .status(state.compareTo(LoadState.BUSY) <= 0).build();
    }
}
