package io.stampede.manager.health;

import jakarta.inject.Singleton;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.stampede.manager.jobs.JobCoordinator;
import io.stampede.node.leadership.NodeLeadership;

/**
 * A manager is ready while its datacenter can run work through it: it leads, or follows a leader
 * it knows (its Raft group has a quorum), and at least one live worker takes new shares.
 */
@Readiness
@Singleton
public class DatacenterRoleReadiness implements HealthCheck {

    private final NodeLeadership leadership;
    private final JobCoordinator coordinator;

    public DatacenterRoleReadiness(NodeLeadership leadership, JobCoordinator coordinator) {
        this.leadership = leadership;
        this.coordinator = coordinator;
    }

    @Override
    public HealthCheckResponse call() {
        int usable = coordinator.workersTakingShares().size();
        boolean led = !leadership.enabled() || leadership.leader().isPresent();
        return HealthCheckResponse.named("datacenter")
                .withData("leader", leadership.leader().orElse("none"))
                .withData("leading", leadership.leading())
                .withData("workersTakingShares", usable)
                .status(led && usable > 0).build();
    }
}
