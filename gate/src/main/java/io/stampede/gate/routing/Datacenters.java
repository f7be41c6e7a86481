package io.stampede.gate.routing;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.stampede.model.load.Backpressure;
import io.stampede.model.load.LoadState;
import io.stampede.model.wire.Payload;

/**
 * What this gate knows of each datacenter, from the status records its managers send every few
 * seconds. A datacenter is healthy while its status is fresh, it has at least one worker that
 * takes new shares, and its manager is not OVERLOADED.
 * Not thread-safe; pure: the time comes in with each call.
 */
public final class Datacenters {

    /**
     * A datacenter as last reported. {@code workers} counts those that take new shares;
     * {@code load} is its manager's load state, {@code backpressure} what it asks its workers for.
     */
    public record View(String name, String manager, int workers, int cores, int freeCores, int activeJobs,
            Instant lastSeen, boolean healthy, LoadState load, Backpressure backpressure) {

        /** Why the datacenter is not healthy, or empty when it is. */
        public String whyNotHealthy() {
            return healthy ? "" : workers == 0 ? "it has no worker that takes new shares"
                    : load == LoadState.OVERLOADED ? "its manager is overloaded"
                    : "no recent status from its manager";
        }
    }

    private final Duration staleAfter;
    private final Map<String, Payload.DatacenterStatus> statuses = new LinkedHashMap<>();
    private final Map<String, Instant> seen = new LinkedHashMap<>();

    public Datacenters(Duration staleAfter) {
        this.staleAfter = staleAfter;
    }

    public void heard(Payload.DatacenterStatus status, Instant now) {
        statuses.put(status.datacenter(), status);
        seen.put(status.datacenter(), now);
    }

    /** Every datacenter ever heard of, by name, with its health at {@code now}. */
    public List<View> all(Instant now) {
        Instant cutoff = now.minus(staleAfter);
        return statuses.values().stream().sorted(Comparator.comparing(Payload.DatacenterStatus::datacenter))
                .map(status -> {
                    Instant lastSeen = seen.get(status.datacenter());
                    boolean healthy = !lastSeen.isBefore(cutoff) && status.workers() > 0
                            && status.load() != LoadState.OVERLOADED;
                    return new View(status.datacenter(), status.manager(), status.workers(), status.cores(),
                            status.freeCores(), status.activeJobs(), lastSeen, healthy, status.load(),
                            status.backpressure());
                }).toList();
    }
}
