package io.stampede.gate.health;

import jakarta.inject.Singleton;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.stampede.gate.jobs.JobService;
import io.stampede.gate.routing.Datacenters;

/**
 * A gate is ready once it can place a job: at least one datacenter is READY and not UNHEALTHY
 * (docs/routing.md). Until then a submission is answered 503 with {@code Retry-After}.
 */
@Readiness
@Singleton
public class DatacenterReadiness implements HealthCheck {

    private final JobService jobs;

    public DatacenterReadiness(JobService jobs) {
        this.jobs = jobs;
    }

    @Override
    public HealthCheckResponse call() {
        var datacenters = jobs.datacenters();
        var response = HealthCheckResponse.named("datacenters");
        datacenters.forEach(view -> response.withData(view.name(), view.healthy() ? "healthy" : view.whyNotHealthy()));
        return response.status(datacenters.stream().anyMatch(Datacenters.View::healthy)).build();
    }
}
