package io.stampede.manager.dispatch;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The workers of this datacenter, as their heartbeats describe them. A worker silent for longer
 * than the timeout is gone. Interim liveness: membership (SWIM) will feed the same interface.
 * Not thread-safe; time comes from the clock it is given.
 */
public final class WorkerRegistry {

    /** A worker as last heard from. */
    public record Worker(String id, int cores, int freeCores, String version, Instant lastSeen) {
    }

    private final Clock clock;
    private final Duration timeout;
    private final Map<String, Worker> workers = new LinkedHashMap<>();

    /**
     * @param timeout silence after which a worker is gone (three missed heartbeats is sensible)
     */
    public WorkerRegistry(Clock clock, Duration timeout) {
        this.clock = clock;
        this.timeout = timeout;
    }

    /** Records a heartbeat; true when the worker is new. */
    public boolean heard(String id, int cores, int freeCores, String version) {
        return workers.put(id, new Worker(id, cores, freeCores, version, clock.instant())) == null;
    }

    /** Removes and returns the workers silent for longer than the timeout. */
    public List<String> expire() {
        Instant cutoff = clock.instant().minus(timeout);
        List<String> gone = new ArrayList<>();
        workers.values().removeIf(worker -> {
            boolean silent = worker.lastSeen().isBefore(cutoff);
            if (silent) {
                gone.add(worker.id());
            }
            return silent;
        });
        return gone;
    }

    /** Live workers, in id order so that splits are reproducible. */
    public List<Worker> live() {
        return workers.values().stream().sorted(Comparator.comparing(Worker::id)).toList();
    }

    public boolean isLive(String id) {
        return workers.containsKey(id);
    }
}
