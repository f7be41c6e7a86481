package io.stampede.cluster.jobs;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.stampede.model.JobId;

/**
 * A manager's check of the fences the gates write a job's records under: the job's ownership
 * generation, 1 when the job is registered and one higher each time the gates' table gives it to a
 * new owner. A record under generation 1 is applied as it comes. One under a higher generation is
 * applied when a majority of the job's gates has stated that generation, or a later one, each in
 * its own name ({@code job.ownership}); it waits in arrival order until they have, at most
 * {@value #WAIT_MILLIS} ms, and is refused after that. Every gate states a job's generation once it
 * has applied the move in the gates' replicated table and itself sees the gate the job moved from
 * down, so a legitimate new owner's records wait only until the other gates have applied it too;
 * a single gate taken over can neither make a generation up nor move a live gate's job to itself.
 *
 * <p>The gates' group size is the one named by the first submission of the job read (later ones
 * are duplicates its reader ignores, so none can grow or shrink it), and never fewer than the gates
 * that have stated: statements do not set it. A job whose submission names no
 * group (a gate of protocol 4.5 or older, which states nothing) is not checked. A record under a
 * higher generation about a job whose submission has not been read waits for it; statements
 * that come before the submission are kept, for at most {@value #MAX_EARLY_JOBS} jobs, apart from
 * the jobs the manager holds, so made-up job ids push out only one another. How many records wait
 * is bounded three ways: {@value #MAX_WAITING} in all, {@value #MAX_WAITING_PER_JOB} per job, and
 * {@value #MAX_WAITING_UNSUBMITTED} about jobs not submitted yet (a record that came before its job's
 * submission counts there until it leaves).
 * Pure: the caller passes the time and guards it with its own lock.
 *
 * @param <T> what the caller holds of a waiting record (its bytes and where it was, to refuse it)
 */
public final class OwnershipCheck<T> {

    /** The generation a job is registered under: records under it need no statement. */
    public static final long FIRST_GENERATION = 1;
    /** The longest a record waits for a majority of the gates to state its generation, in milliseconds. */
    public static final long WAIT_MILLIS = 20_000;
    /** At most this many records wait; one more is refused at once. */
    public static final int MAX_WAITING = 1_000;
    /** At most this many records of one job wait. */
    public static final int MAX_WAITING_PER_JOB = 100;
    /** At most this many records wait about jobs whose submission has not been read. */
    public static final int MAX_WAITING_UNSUBMITTED = 100;
    /** Statements about jobs not submitted yet are kept for at most this many jobs, the oldest forgotten. */
    public static final int MAX_EARLY_JOBS = 256;
    /** At most this many gates are heard per job, and a group of more is read as this many. */
    public static final int MAX_GATES = 64;
    /** The rejection reason of a record whose generation no majority of the job's gates has stated. */
    public static final String UNVERIFIED_FENCE = "UNVERIFIED_FENCE";

    /** What the gates have said of one job its manager holds. */
    private static final class Job {
        /** The gates' group size its submission named; 0 when it named none (the job is not checked). */
        final int gates;
        /** Each gate's highest stated generation. */
        final Map<String, Long> stated;

        Job(int gates, Map<String, Long> stated) {
            this.gates = gates;
            this.stated = stated;
        }
    }

    /** What becomes of a record offered. */
    public enum Offer {
        /** Its generation is verified, or the job is not checked: apply it now. */
        APPLY,
        /** It waits for its generation to be stated. */
        HELD,
        /** It cannot wait: as many records as may wait (in all, of its job, or before submissions) wait already. */
        FULL
    }

    /**
     * A record waiting for its generation to be stated.
     *
     * @param unsubmitted whether it came before its job's submission (it counts against
     *                    {@value #MAX_WAITING_UNSUBMITTED})
     */
    public record Held<T>(JobId job, long generation, T record, long sinceMillis, boolean unsubmitted) {
    }

    private final int maxJobs;
    /** The jobs whose submission was read, until their reader lets them go. */
    private final Map<JobId, Job> jobs = new HashMap<>();
    /** Statements about jobs whose submission has not been read, oldest first. */
    private final Map<JobId, Map<String, Long>> early = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<JobId, Map<String, Long>> eldest) {
            return size() > MAX_EARLY_JOBS;
        }
    };
    private final ArrayDeque<Held<T>> waiting = new ArrayDeque<>();
    private final Map<JobId, Integer> waitingByJob = new HashMap<>();
    private int waitingUnsubmitted;

    /**
     * @param maxJobs how many jobs it holds at most (the jobs its reader holds); a job submitted past
     *                it is not taken, so its later generations are never verified
     */
    public OwnershipCheck(int maxJobs) {
        if (maxJobs < 1) {
            throw new IllegalArgumentException("a check of 1 job or more, not " + maxJobs);
        }
        this.maxJobs = maxJobs;
    }

    /**
     * Takes a gate's statement of a job's generation. It does not name the group: the job's
     * submission does.
     *
     * @return the waiting records of the job that may be applied now, in arrival order
     */
    public List<T> stated(JobId job, String gate, long generation) {
        Job known = jobs.get(job);
        Map<String, Long> stated = known != null ? known.stated : early.computeIfAbsent(job, id -> new HashMap<>());
        if (!stated.containsKey(gate) && stated.size() == MAX_GATES) {
            return List.of();
        }
        stated.merge(gate, generation, Math::max);
        return known == null ? List.of() : released(job);
    }

    /**
     * Takes a submission of the job read: the gates' group size it names (0: none, from a gate that
     * states nothing). Only the first counts; later ones change nothing. The reader
     * {@linkplain #forget forgets} a job whose submission it did not take.
     *
     * @return the waiting records of the job that may be applied now, in arrival order
     */
    public List<T> submitted(JobId job, int gates) {
        if (jobs.containsKey(job) || jobs.size() >= maxJobs) {
            return List.of();
        }
        Map<String, Long> stated = early.remove(job);
        jobs.put(job, new Job(Math.min(Math.max(0, gates), MAX_GATES), stated == null ? new HashMap<>() : stated));
        return released(job);
    }

    /** Whether records of the job wait. */
    public boolean isWaiting(JobId job) {
        return waitingByJob.containsKey(job);
    }

    /** Whether the job's submission has been taken (its group size is known). */
    public boolean hasSubmission(JobId job) {
        return jobs.containsKey(job);
    }

    /**
     * A record of the gates about {@code job} under {@code generation}, to wait when it
     * {@linkplain #holds holds}. One applied now passes records that wait: those have a higher
     * generation, so none of them is its predecessor.
     */
    public Offer offer(JobId job, long generation, T record, long nowMillis) {
        if (!holds(job, generation)) {
            return Offer.APPLY;
        }
        boolean unsubmitted = !jobs.containsKey(job);
        if (waiting.size() >= MAX_WAITING || waitingByJob.getOrDefault(job, 0) >= MAX_WAITING_PER_JOB
                || unsubmitted && waitingUnsubmitted >= MAX_WAITING_UNSUBMITTED) {
            return Offer.FULL;
        }
        waiting.addLast(new Held<>(job, generation, record, nowMillis, unsubmitted));
        waitingByJob.merge(job, 1, Integer::sum);
        waitingUnsubmitted += unsubmitted ? 1 : 0;
        return Offer.HELD;
    }

    private List<T> released(JobId job) {
        List<T> released = new ArrayList<>();
        if (!waitingByJob.containsKey(job)) {
            return released;
        }
        for (Iterator<Held<T>> next = waiting.iterator(); next.hasNext();) {
            Held<T> held = next.next();
            if (held.job().equals(job) && !holds(job, held.generation())) {
                next.remove();
                left(held);
                released.add(held.record());
            }
        }
        return released;
    }

    private void left(Held<T> held) {
        waitingByJob.computeIfPresent(held.job(), (job, count) -> count == 1 ? null : count - 1);
        waitingUnsubmitted -= held.unsubmitted() ? 1 : 0;
    }

    /** Takes out the records that have waited {@value #WAIT_MILLIS} ms or more, to refuse, in order. */
    public List<Held<T>> expire(long nowMillis) {
        List<Held<T>> refuse = new ArrayList<>();
        while (!waiting.isEmpty() && nowMillis - waiting.peekFirst().sinceMillis() >= WAIT_MILLIS) {
            Held<T> held = waiting.removeFirst();
            left(held);
            refuse.add(held);
        }
        return refuse;
    }

    /** Whether a record about {@code job} under {@code generation} would wait now rather than be applied. */
    public boolean holds(JobId job, long generation) {
        if (generation <= FIRST_GENERATION) {
            return false;
        }
        Job known = jobs.get(job);
        if (known == null) {
            return true; // its submission, which names the gates, has not been read
        }
        return known.gates != 0 && generation > verified(known);
    }

    /**
     * The highest generation a majority of the job's gates has stated; {@value #FIRST_GENERATION}
     * before one has or before its submission was taken, and {@link Long#MAX_VALUE} for a job that
     * is not checked (its submission names no group).
     */
    public long verified(JobId job) {
        Job known = jobs.get(job);
        return known == null ? FIRST_GENERATION : known.gates == 0 ? Long.MAX_VALUE : verified(known);
    }

    private static long verified(Job job) {
        int majority = majority(job);
        if (job.stated.size() < majority) {
            return FIRST_GENERATION;
        }
        long reached = job.stated.values().stream().sorted(Comparator.reverseOrder()).skip(majority - 1L)
                .findFirst().orElse(FIRST_GENERATION);
        return Math.max(FIRST_GENERATION, reached);
    }

    private static int majority(Job job) {
        return Math.max(job.gates, job.stated.size()) / 2 + 1;
    }

    /** How many gates make a majority of the job's group as known so far; 0 before its submission was taken. */
    public int majority(JobId job) {
        Job known = jobs.get(job);
        return known == null ? 0 : majority(known);
    }

    /** Forgets a job (its reader has let go of it); its waiting records stay until they expire. */
    public void forget(JobId job) {
        jobs.remove(job);
        early.remove(job);
    }

    /** How many records wait. */
    public int waiting() {
        return waiting.size();
    }

    /** How many jobs it holds (whose submission was taken). */
    public int jobs() {
        return jobs.size();
    }
}
