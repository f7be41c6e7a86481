package io.stampede.gate.routing;

import java.util.List;

import io.stampede.model.job.JobSpec;

/**
 * Chooses the datacenters that run a job. One interface, so that health-bucket and latency routing
 * can replace the capacity rule without touching the rest of the gate.
 */
public interface DatacenterRouter {

    /** The chosen datacenters, or why none could be chosen. */
    sealed interface Route permits Chosen, Refused {
    }

    record Chosen(List<Datacenters.View> datacenters) implements Route {
    }

    record Refused(String reason) implements Route {
    }

    Route route(JobSpec.Datacenters wanted, List<Datacenters.View> known);
}
