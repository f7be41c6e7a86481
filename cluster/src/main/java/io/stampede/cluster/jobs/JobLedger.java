package io.stampede.cluster.jobs;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Function;

import io.stampede.model.JobId;
import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.ReplayFilter;

/**
 * Everything one node keeps about jobs, one entry per job: the role's own state for it ({@code E}:
 * the gate's view of a job, a manager's datacenter job, a worker's running shares) and the replay
 * filter for records about it. When a job ends here, its entry is kept for
 * {@link Limits#retention()} (so that late records are still judged, results can be read and
 * re-sent), then released whole, leaving only a tombstone: its id and when it was released. A
 * tombstone turns away every later record about the job, so a redelivered {@code job.submitted}
 * never runs a finished job again. Tombstones are bounded by count and age.
 *
 * <p>Bounded everywhere: at most {@link Limits#maxFinished()} ended entries are retained (the
 * oldest go first), at most {@link Limits#maxJobs()} entries in all (a job beyond it is refused),
 * and at most {@link Limits#maxTombstones()} tombstones, none older than
 * {@link Limits#tombstoneAge()}. Pure: time comes in as {@code nowMillis}; the caller calls
 * {@link #expire} on its own timer. Not thread-safe: the owner guards it with its lock.
 *
 * @param <E> what the role keeps per job
 */
public final class JobLedger<E> {

    /**
     * How long and how many.
     *
     * @param retention     how long an ended job's entry is kept before it is released
     * @param maxFinished   ended entries kept at most; beyond it the oldest is released early
     * @param maxJobs       entries at most, running and ended; a new job beyond it is refused
     * @param maxTombstones tombstones kept at most; beyond it the oldest is dropped
     * @param tombstoneAge  how long a tombstone is kept
     */
    public record Limits(Duration retention, int maxFinished, int maxJobs, int maxTombstones, Duration tombstoneAge) {

        /** The defaults of docs/configuration.md. */
        public static final Limits DEFAULT = new Limits(Duration.ofMinutes(10), 1_000, 10_000, 100_000,
                Duration.ofHours(24));

        public Limits {
            if (retention.isNegative() || tombstoneAge.isNegative() || maxFinished < 0 || maxJobs < 1
                    || maxTombstones < 0) {
                throw new IllegalArgumentException("ledger limits must not be negative, and maxJobs at least 1");
            }
        }
    }

    /** Why a record was not let in: see {@link #admit}. */
    public sealed interface Admission<E> {
    }

    /** The record is new: apply it to {@code entry}. */
    public record Admitted<E>(E entry) implements Admission<E> {
    }

    /** The record is not to be applied; {@code verdict} says why (a metric tag). */
    public record Turned<E>(ReplayFilter.Verdict verdict) implements Admission<E> {
    }

    /** The job is not known here and {@code admit} was not asked to open it; nothing was remembered. */
    public record Unknown<E>() implements Admission<E> {
    }

    /** The ledger is full of running jobs: the record's job was refused. */
    public record Full<E>() implements Admission<E> {
    }

    private static final class Slot<E> {
        final E entry;
        final ReplayFilter replays = new ReplayFilter();

        Slot(E entry) {
            this.entry = entry;
        }
    }

    private final Limits limits;
    private final BiConsumer<JobId, E> onRelease;
    private final Map<JobId, Slot<E>> slots = new LinkedHashMap<>();
    /** Ended jobs, in the order they were said to end, with when they ended. */
    private final Map<JobId, Long> ended = new LinkedHashMap<>();
    /** Released jobs in the order they were released: when. */
    private final Map<JobId, Long> tombstones = new LinkedHashMap<>();

    /** A ledger whose owner keeps nothing about a job outside it. */
    public JobLedger(Limits limits) {
        this(limits, (job, entry) -> { });
    }

    /**
     * @param onRelease told of every entry released, for the owner to let go of what it holds
     *                  about the job elsewhere (a replicated table's row, say)
     */
    public JobLedger(Limits limits, BiConsumer<JobId, E> onRelease) {
        this.limits = limits;
        this.onRelease = onRelease;
    }

    public Limits limits() {
        return limits;
    }

    /**
     * Judges a record about a job and, when it is new, returns the job's entry to apply it to.
     *
     * @param open makes the entry when the job is not known yet; null to leave unknown jobs alone
     */
    public Admission<E> admit(Envelope envelope, Function<JobId, E> open) {
        JobId job = envelope.jobId();
        if (tombstones.containsKey(job)) {
            return new Turned<>(ReplayFilter.Verdict.ENDED_JOB);
        }
        Slot<E> slot = slots.get(job);
        if (slot == null) {
            if (open == null) {
                return new Unknown<>();
            }
            Optional<E> opened = open(job, open);
            if (opened.isEmpty()) {
                return new Full<>();
            }
            slot = slots.get(job);
        }
        ReplayFilter.Verdict verdict = slot.replays.offer(envelope);
        return verdict == ReplayFilter.Verdict.ACCEPTED ? new Admitted<>(slot.entry) : new Turned<>(verdict);
    }

    /**
     * The job's entry, made by {@code open} when it is new. Empty when the job has a tombstone
     * (it ended here and was released) or when the ledger is full of running jobs.
     */
    public Optional<E> open(JobId job, Function<JobId, E> open) {
        Slot<E> slot = slots.get(job);
        if (slot != null) {
            return Optional.of(slot.entry);
        }
        if (tombstones.containsKey(job)) {
            return Optional.empty();
        }
        if (full()) {
            return Optional.empty();
        }
        if (slots.size() >= limits.maxJobs()) {
            releaseOldestEnded(); // one exists: not every held job is running
        }
        slot = new Slot<>(open.apply(job));
        slots.put(job, slot);
        return Optional.of(slot.entry);
    }

    /** The job's entry, if it is held. */
    public Optional<E> get(JobId job) {
        Slot<E> slot = slots.get(job);
        return slot == null ? Optional.empty() : Optional.of(slot.entry);
    }

    /** Whether the job ended here and was released. */
    public boolean released(JobId job) {
        return tombstones.containsKey(job);
    }

    /**
     * The job has ended here: its entry is released {@link Limits#retention()} after
     * {@code nowMillis}. A second call keeps the first time.
     */
    public void ended(JobId job, long nowMillis) {
        if (slots.containsKey(job) && !ended.containsKey(job)) {
            ended.put(job, nowMillis);
            while (ended.size() > limits.maxFinished() && releaseOldestEnded()) {
                // released one
            }
        }
    }

    /** When the job ended here, if it has. */
    public Optional<Long> endedAt(JobId job) {
        return Optional.ofNullable(ended.get(job));
    }

    /**
     * Releases entries whose retention has run out and drops tombstones past their age or count.
     *
     * @return how many entries were released
     */
    public int expire(long nowMillis) {
        // Every ended entry is looked at (at most max-finished of them): end times need not come in
        // order, a manager dates a job's end by the record that ended it.
        List<JobId> due = new ArrayList<>();
        ended.forEach((job, endedAt) -> {
            if (nowMillis - endedAt >= limits.retention().toMillis()) {
                due.add(job);
            }
        });
        for (JobId job : due) {
            ended.remove(job);
            release(job, nowMillis);
        }
        int released = due.size();
        Iterator<Map.Entry<JobId, Long>> stones = tombstones.entrySet().iterator();
        while (stones.hasNext()) {
            Map.Entry<JobId, Long> next = stones.next();
            if (tombstones.size() <= limits.maxTombstones()
                    && nowMillis - next.getValue() < limits.tombstoneAge().toMillis()) {
                break;
            }
            stones.remove();
        }
        return released;
    }

    private boolean releaseOldestEnded() {
        Iterator<Map.Entry<JobId, Long>> oldest = ended.entrySet().iterator();
        if (!oldest.hasNext()) {
            return false;
        }
        Map.Entry<JobId, Long> next = oldest.next();
        oldest.remove();
        release(next.getKey(), next.getValue());
        return true;
    }

    private void release(JobId job, long atMillis) {
        Slot<E> slot = slots.remove(job);
        tombstones.put(job, atMillis);
        while (tombstones.size() > limits.maxTombstones()) {
            tombstones.remove(tombstones.keySet().iterator().next());
        }
        onRelease.accept(job, slot.entry);
    }

    /** Every held entry, oldest first. */
    public Collection<E> entries() {
        List<E> all = new ArrayList<>(slots.size());
        slots.values().forEach(slot -> all.add(slot.entry));
        return all;
    }

    /** Held entries with their ids, oldest first. */
    public Map<JobId, E> byId() {
        Map<JobId, E> all = new LinkedHashMap<>();
        slots.forEach((id, slot) -> all.put(id, slot.entry));
        return all;
    }

    /** Entries held: running jobs and ended ones within their retention. */
    public int retained() {
        return slots.size();
    }

    /** Whether the ledger holds {@link Limits#maxJobs()} running jobs: a new job is refused. */
    public boolean full() {
        return slots.size() - ended.size() >= limits.maxJobs();
    }

    /** Entries held for jobs that have ended here. */
    public int retainedEnded() {
        return ended.size();
    }

    public int tombstones() {
        return tombstones.size();
    }
}
