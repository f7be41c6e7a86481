package io.stampede.gate.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.stampede.model.job.JobSpec;

/**
 * The first routing rule: only healthy datacenters, the ones with the most free cores first
 * (ties by name); named datacenters must all be healthy.
 */
public final class CapacityRouter implements DatacenterRouter {

    @Override
    public Route route(JobSpec.Datacenters wanted, List<Datacenters.View> known) {
        List<Datacenters.View> healthy = known.stream().filter(Datacenters.View::healthy)
                .sorted(Comparator.comparingInt(Datacenters.View::freeCores).reversed()
                        .thenComparing(Datacenters.View::name))
                .toList();
        if (wanted instanceof JobSpec.Named named) {
            Map<String, Datacenters.View> byName = known.stream()
                    .collect(Collectors.toMap(Datacenters.View::name, Function.identity()));
            List<Datacenters.View> chosen = new ArrayList<>();
            for (String name : named.names()) {
                Datacenters.View view = byName.get(name);
                if (view == null) {
                    return new Refused("datacenter " + name + " is unknown (known: "
                            + known.stream().map(Datacenters.View::name).collect(Collectors.joining(", ")) + ")");
                }
                if (!view.healthy()) {
                    return new Refused("datacenter " + name + " is not healthy: " + view.whyNotHealthy());
                }
                chosen.add(view);
            }
            return new Chosen(chosen);
        }
        if (healthy.isEmpty()) {
            return new Refused("no datacenter is healthy" + (known.isEmpty() ? " (none has reported yet)"
                    : known.stream().map(view -> view.name() + ": " + view.whyNotHealthy())
                            .collect(Collectors.joining("; ", " (", ")"))));
        }
        if (wanted instanceof JobSpec.Count count) {
            if (count.count() > healthy.size()) {
                return new Refused("the job wants " + count.count() + " datacenters but " + healthy.size()
                        + " are healthy");
            }
            return new Chosen(healthy.subList(0, count.count()));
        }
        return new Chosen(healthy);
    }
}
