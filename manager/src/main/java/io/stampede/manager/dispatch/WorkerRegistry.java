package io.stampede.manager.dispatch;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.stampede.model.load.LoadState;
import io.stampede.model.load.Progress;

/**
 * The workers of this datacenter. Two sources meet here: membership (SWIM) says which workers are
 * up, and each worker's heartbeat on Kafka says how many cores it has free and when its process
 * started. A worker takes work only when both agree: up in membership, and its capacity known. A
 * heartbeat with a new start means the worker restarted under its id; heartbeats that stop
 * coming mean it can no longer write to Kafka (or its process is stuck), whatever membership
 * says. Not thread-safe; time comes from the clock it is given.
 */
public final class WorkerRegistry {

    /** A worker as last heard from. */
    public record Worker(String id, int cores, int freeCores, String version, long startedAtMillis,
            Instant lastSeen, LoadState load, Progress progress) {

        public Worker(String id, int cores, int freeCores, String version, long startedAtMillis, Instant lastSeen) {
            this(id, cores, freeCores, version, startedAtMillis, lastSeen, LoadState.HEALTHY, Progress.UNKNOWN);
        }

        /** Whether it takes new shares: it is not OVERLOADED. */
        public boolean takesNewShares() {
            return load != LoadState.OVERLOADED;
        }
    }

    /** What a heartbeat changed. */
    public enum Heard {
        /** Nothing that matters for work: a capacity update, or a worker membership does not have up yet. */
        NOTHING_NEW,
        /** The worker is live from now on. */
        LIVE,
        /** A live worker's process restarted: the shares of its earlier process are lost. It is live. */
        RESTARTED
    }

    private final Clock clock;
    private final Map<String, Worker> capacity = new LinkedHashMap<>();
    private final Set<String> up = new HashSet<>();
    /** When any heartbeat last arrived; null before the first. */
    private Instant lastHeartbeat;
    /** When silence was last judged; null before the first time. */
    private Instant lastJudged;
    /** Whether the last judgement held eviction because most workers were silent at once. */
    private boolean silenceHeld;
    /** Since when eviction has been held; null while it is not. */
    private Instant heldSince;
    /** Eviction is held for at most this many silence limits. */
    static final int HOLD_AT_MOST_LIMITS = 3;

    public WorkerRegistry(Clock clock) {
        this.clock = clock;
    }

    /**
     * Records a worker's heartbeat. One from a process that started before the one last heard
     * from (two processes under one id, or a record late from a dead one) is ignored.
     */
    public Heard heard(String id, int cores, int freeCores, String version, long startedAtMillis) {
        return heard(id, cores, freeCores, version, startedAtMillis, LoadState.HEALTHY, Progress.UNKNOWN);
    }

    /**
     * As {@link #heard(String, int, int, String, long)}, with the load state and progress the
     * worker reports.
     */
    public Heard heard(String id, int cores, int freeCores, String version, long startedAtMillis, LoadState load,
            Progress progress) {
        boolean wasLive = isLive(id);
        Worker previous = capacity.get(id);
        lastHeartbeat = clock.instant();
        if (previous != null && startedAtMillis < previous.startedAtMillis()) {
            return Heard.NOTHING_NEW;
        }
        capacity.put(id, new Worker(id, cores, freeCores, version, startedAtMillis, clock.instant(), load, progress));
        if (wasLive && previous.startedAtMillis() != startedAtMillis) {
            return Heard.RESTARTED;
        }
        return !wasLive && isLive(id) ? Heard.LIVE : Heard.NOTHING_NEW;
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

    /**
     * Live workers not heard from for longer than {@code limit}: each is no longer live (its
     * running shares have failed) until its next heartbeat, which makes it live again. Called
     * about once a second: a longer gap since the last call (over a quarter of the limit) is this
     * manager's own stall, and is not counted against the workers. While no heartbeat at all has
     * arrived for half the limit, nobody is judged: this manager's own reading has stalled, not
     * every worker. When more than half of several live workers are silent at once, none is
     * silenced ({@link #silenceHeld()}): eviction is held, for membership to decide, for at most
     * {@value #HOLD_AT_MOST_LIMITS} limits; then they are silenced all the same.
     *
     * @return the ids of the workers silenced now
     */
    public List<String> silence(Duration limit) {
        Instant now = clock.instant();
        if (lastJudged != null) {
            Duration gap = Duration.between(lastJudged, now);
            if (gap.compareTo(limit.dividedBy(4)) > 0) {
                // This manager could not judge for a while (its lock held by a large job, a pause of
                // its own): heartbeats waiting to be read meanwhile were not silence.
                capacity.replaceAll((id, worker) -> new Worker(id, worker.cores(), worker.freeCores(),
                        worker.version(), worker.startedAtMillis(), worker.lastSeen().plus(gap), worker.load(),
                        worker.progress()));
            }
        }
        lastJudged = now;
        if (lastHeartbeat == null || lastHeartbeat.isBefore(now.minus(limit.dividedBy(2)))) {
            return List.of();
        }
        Instant cutoff = now.minus(limit);
        List<String> silent = capacity.values().stream()
                .filter(worker -> isLive(worker.id()) && worker.lastSeen().isBefore(cutoff)).map(Worker::id).toList();
        long live = capacity.keySet().stream().filter(this::isLive).count();
        if (live > 1 && silent.size() * 2 > live) {
            // Most workers silent at once is more likely this manager's or the network's trouble
            // than theirs: eviction is held while membership (which has them up) may yet decide,
            // but not for ever.
            heldSince = heldSince == null ? now : heldSince;
            if (Duration.between(heldSince, now).compareTo(limit.multipliedBy(HOLD_AT_MOST_LIMITS)) < 0) {
                silenceHeld = true;
                return List.of();
            }
        }
        heldSince = null;
        silenceHeld = false;
        silent.forEach(capacity::remove);
        return silent;
    }

    /** Whether the last {@link #silence} held eviction because most workers were silent at once. */
    public boolean silenceHeld() {
        return silenceHeld;
    }

    /** Live workers, in id order so that splits are reproducible. */
    public List<Worker> live() {
        return capacity.values().stream().filter(worker -> up.contains(worker.id()))
                .sorted(Comparator.comparing(Worker::id)).toList();
    }

    /**
     * The live workers to give new shares to, in id order: those that are not OVERLOADED (their
     * running shares go on). When every live worker is OVERLOADED, all of them: a busy datacenter
     * runs the work more slowly rather than failing it (the gates, told it has no worker that
     * takes new shares, send it no new job meanwhile).
     */
    public List<Worker> forNewShares() {
        List<Worker> usable = takingNewShares();
        return usable.isEmpty() ? live() : usable;
    }

    /** Live workers that are not OVERLOADED, in id order: what the datacenter can give new work to. */
    public List<Worker> takingNewShares() {
        return live().stream().filter(Worker::takesNewShares).toList();
    }

    public boolean isLive(String id) {
        return up.contains(id) && capacity.containsKey(id);
    }
}
