package io.stampede.manager.dispatch;

import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The workers of this datacenter. Two sources meet here: membership (SWIM) says which workers are
 * up, and each worker's heartbeat says how many cores it has free. A worker takes work only when
 * both agree: up in membership, and its capacity known. Not thread-safe; time comes from the
 * clock it is given.
 */
public final class WorkerRegistry {

    /** A worker as last heard from. */
    public record Worker(String id, int cores, int freeCores, String version, Instant lastSeen) {
    }

    private final Clock clock;
    private final Map<String, Worker> capacity = new LinkedHashMap<>();
    private final Set<String> up = new HashSet<>();

    public WorkerRegistry(Clock clock) {
        this.clock = clock;
    }

    /** Records a worker's capacity report; true when that makes a new worker live. */
    public boolean heard(String id, int cores, int freeCores, String version) {
        boolean wasLive = isLive(id);
        capacity.put(id, new Worker(id, cores, freeCores, version, clock.instant()));
        return !wasLive && isLive(id);
    }

    /** Membership says the worker is up (ALIVE, or SUSPECT and may yet refute); true when that makes it live. */
    public boolean up(String id) {
        boolean wasLive = isLive(id);
        up.add(id);
        return !wasLive && isLive(id);
    }

    /**
     * Membership says the worker is gone (DEAD, LEFT or forgotten). Its capacity report is
     * dropped too: a worker that comes back reports afresh.
     *
     * @return true when the worker was live, so its running shares have failed
     */
    public boolean down(String id) {
        boolean wasLive = isLive(id);
        up.remove(id);
        capacity.remove(id);
        return wasLive;
    }

    /** Live workers, in id order so that splits are reproducible. */
    public List<Worker> live() {
        return capacity.values().stream().filter(worker -> up.contains(worker.id()))
                .sorted(Comparator.comparing(Worker::id)).toList();
    }

    public boolean isLive(String id) {
        return up.contains(id) && capacity.containsKey(id);
    }
}
