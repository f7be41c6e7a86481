package io.stampede.manager.api;

import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import io.stampede.manager.dispatch.WorkerRegistry;
import io.stampede.manager.jobs.JobCoordinator;

/** {@code GET /api/v1/workers}: the live workers of this datacenter and the jobs running here. */
@RolesAllowed("read")
@Path("/api/v1/workers")
public class WorkersResource {

    private final JobCoordinator coordinator;

    public WorkersResource(JobCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    /** What the endpoint answers. */
    public record WorkersView(int activeJobs, List<WorkerRegistry.Worker> workers) {
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public WorkersView workers() {
        return new WorkersView(coordinator.activeJobs(), coordinator.workers());
    }
}
