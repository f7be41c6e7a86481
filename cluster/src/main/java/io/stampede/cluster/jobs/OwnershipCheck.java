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
 * {@value #WAIT_MILLIS} ms and {@value #MAX_WAITING} records, and is refused after that. Every gate
 * states a job's generation when it applies the move in the gates' replicated table, so a
 * legitimate new owner's records wait only until the other gates have applied it too; a single gate
 * taken over cannot make a generation up.
 *
 * <p>The gates' group size comes from the job's submission, the largest any of its submissions
 * and statements has given, and never fewer than the gates that have stated: a gate stating a group
 * of one cannot shrink the majority once the job's own submission has named its group. A job whose
 * submission names no group (a gate of protocol 4.5 or older, which states nothing) is not checked
 * until a later submission names one.
 * A record under a higher generation about a job whose submission has not been read waits for it.
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
    /** At most this many gates are heard per job, and a group of more is read as this many. */
    public static final int MAX_GATES = 64;
    /** The rejection reason of a record whose generation no majority of the job's gates has stated. */
    public static final String UNVERIFIED_FENCE = "UNVERIFIED_FENCE";

    /** What the gates have said of one job. */
    private static final class Job {
        /** The gates' group size: −1 before a submission was read, 0 when the submission named none. */
        int gates = -1;
        /** Each gate's highest stated generation. */
        final Map<String, Long> stated = new HashMap<>();
    }

    /** What becomes of a record offered. */
    public enum Offer {
        /** Its generation is verified, or the job is not checked: apply it now. */
        APPLY,
        /** It waits for its generation to be stated. */
        HELD,
        /** It cannot wait: {@value #MAX_WAITING} records wait already. Refuse it. */
        FULL
    }

    /** A record waiting for its generation to be stated. */
    public record Held<T>(JobId job, long generation, T record, long sinceMillis) {
    }

    private final int maxJobs;
    /** By job, oldest first; past {@link #maxJobs} the oldest is forgotten. */
    private final Map<JobId, Job> jobs;
    private final ArrayDeque<Held<T>> waiting = new ArrayDeque<>();

    /** @param maxJobs how many jobs it remembers at most (the jobs its reader holds); the oldest is forgotten */
    public OwnershipCheck(int maxJobs) {
        if (maxJobs < 1) {
            throw new IllegalArgumentException("a check of 1 job or more, not " + maxJobs);
        }
        this.maxJobs = maxJobs;
        this.jobs = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<JobId, Job> eldest) {
                return size() > OwnershipCheck.this.maxJobs;
            }
        };
    }

    /**
     * Takes a gate's statement of a job's generation and its group's size.
     *
     * @return the waiting records of the job that may be applied now, in arrival order
     */
    public List<T> stated(JobId job, String gate, long generation, int gates) {
        Job known = jobs.computeIfAbsent(job, id -> new Job());
        if (!known.stated.containsKey(gate) && known.stated.size() == MAX_GATES) {
            return List.of();
        }
        known.stated.merge(gate, generation, Math::max);
        if (known.gates > 0 || known.gates == -1 && gates > 0) {
            known.gates = Math.max(known.gates, Math.min(gates, MAX_GATES));
        }
        return released(job);
    }

    /**
     * Takes a submission of the job: the gates' group size it names (0: none, from a gate that states
     * nothing). The largest named counts; a job whose first submission names none is not checked.
     *
     * @return the waiting records of the job that may be applied now, in arrival order
     */
    public List<T> submitted(JobId job, int gates) {
        Job known = jobs.computeIfAbsent(job, id -> new Job());
        int size = Math.min(Math.max(0, gates), MAX_GATES);
        known.gates = known.gates == -1 ? size : Math.max(known.gates, size);
        return released(job);
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
        if (waiting.size() >= MAX_WAITING) {
            return Offer.FULL;
        }
        waiting.addLast(new Held<>(job, generation, record, nowMillis));
        return Offer.HELD;
    }

    private List<T> released(JobId job) {
        List<T> released = new ArrayList<>();
        for (Iterator<Held<T>> next = waiting.iterator(); next.hasNext();) {
            Held<T> held = next.next();
            if (held.job().equals(job) && !holds(job, held.generation())) {
                next.remove();
                released.add(held.record());
            }
        }
        return released;
    }

    /** Takes out the records that have waited {@value #WAIT_MILLIS} ms or more, to refuse, in order. */
    public List<Held<T>> expire(long nowMillis) {
        List<Held<T>> refuse = new ArrayList<>();
        while (!waiting.isEmpty() && nowMillis - waiting.peekFirst().sinceMillis() >= WAIT_MILLIS) {
            refuse.add(waiting.removeFirst());
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
     * before one has, and {@link Long#MAX_VALUE} for a job that is not checked (its submission
     * names no group).
     */
    public long verified(JobId job) {
        Job known = jobs.get(job);
        return known == null ? FIRST_GENERATION : known.gates == 0 ? Long.MAX_VALUE : verified(known);
    }

    private static long verified(Job job) {
        int majority = Math.max(job.gates, job.stated.size()) / 2 + 1;
        if (job.stated.size() < majority) {
            return FIRST_GENERATION;
        }
        long reached = job.stated.values().stream().sorted(Comparator.reverseOrder()).skip(majority - 1L)
                .findFirst().orElse(FIRST_GENERATION);
        return Math.max(FIRST_GENERATION, reached);
    }

    /** How many gates make a majority of the job's group as known so far. */
    public int majority(JobId job) {
        Job known = jobs.get(job);
        return known == null ? 1 : Math.max(known.gates, known.stated.size()) / 2 + 1;
    }

    /** Forgets a job (its reader has let go of it); its waiting records stay until they expire. */
    public void forget(JobId job) {
        jobs.remove(job);
    }

    /** How many records wait. */
    public int waiting() {
        return waiting.size();
    }

    /** How many jobs it remembers. */
    public int jobs() {
        return jobs.size();
    }
}
