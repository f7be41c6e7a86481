package io.stampede.gate.routing;

import java.util.List;

import io.stampede.model.job.JobSpec;

/** Chooses the datacenters that run a job, and says why. */
public interface DatacenterRouter {

    /** The chosen datacenters, or why none could be chosen; either way with the decision. */
    sealed interface Route permits Chosen, Refused {
        RoutingDecision decision();
    }

    record Chosen(List<Datacenters.View> datacenters, RoutingDecision decision) implements Route {
    }

    record Refused(String reason, RoutingDecision decision) implements Route {
    }

    /** A job could not be dispatched to the datacenter: it holds no earlier choice any more. */
    void dispatchFailed(String datacenter);

    Route route(JobSpec.Datacenters wanted, JobSpec.Placement placement, List<Datacenters.View> known,
            long nowMillis);
}
