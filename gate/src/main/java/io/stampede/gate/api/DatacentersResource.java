package io.stampede.gate.api;

import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import io.stampede.gate.jobs.JobService;
import io.stampede.gate.routing.Datacenters;

/** {@code GET /api/v1/datacenters}: every datacenter this gate has heard of, with health and capacity. */
@RolesAllowed("read")
@Path("/api/v1/datacenters")
public class DatacentersResource {

    private final JobService jobs;

    public DatacentersResource(JobService jobs) {
        this.jobs = jobs;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public List<Datacenters.View> datacenters() {
        return jobs.datacenters();
    }
}
