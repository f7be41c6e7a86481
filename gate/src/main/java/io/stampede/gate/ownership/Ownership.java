package io.stampede.gate.ownership;

import io.stampede.gate.routing.RoutingDecision;
import io.stampede.model.JobId;
import io.stampede.model.job.LoadShare;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The gates' replicated job-ownership table: every job, which gate owns it, and the owner's fence
 * for it. The owner publishes the job's progress and result and enforces its timeout; any gate
 * answers for any job. Commands are applied in the same order on every gate (Raft), so the table
 * is the same everywhere. Not thread-safe: the caller serialises.
 */
public final class Ownership {

    /**
     * What the table knows of one job: enough for any gate to follow it and, while it runs, for
     * its owner to publish it to its datacenters.
     *
     * @param spec   the job as submitted, while it runs; empty once it has finished (it is not
     *               needed any more, and the table holds every finished job until it is forgotten)
     * @param shares each datacenter's share of each workflow, while it runs; empty once finished
     * @param minDatacenters how many datacenters must complete their part for the job to end
     *               PARTIAL when one is lost; 0 for all of them
     * @param routing why the job went to its datacenters; null in entries written before routing
     *               decisions were recorded
     */
    public record Entry(JobId id, String name, long submittedAtMillis, long deadlineEpochMillis,
            List<String> datacenters, List<String> workflows, String idempotencyKey, String bodyDigest,
            String owner, long fence, boolean finished, String spec, Map<String, Map<String, LoadShare>> shares,
            int minDatacenters, RoutingDecision routing) {

        public Entry(JobId id, String name, long submittedAtMillis, long deadlineEpochMillis,
                List<String> datacenters, List<String> workflows, String idempotencyKey, String bodyDigest,
                String owner, long fence, boolean finished, String spec, Map<String, Map<String, LoadShare>> shares,
                int minDatacenters) {
            this(id, name, submittedAtMillis, deadlineEpochMillis, datacenters, workflows, idempotencyKey, bodyDigest,
                    owner, fence, finished, spec, shares, minDatacenters, null);
        }

        public Entry {
            datacenters = List.copyOf(datacenters);
            workflows = List.copyOf(workflows);
            idempotencyKey = idempotencyKey == null ? "" : idempotencyKey;
            spec = spec == null ? "" : spec;
            shares = shares == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(shares));
        }

        Entry ownedBy(String gate, long newFence) {
            return new Entry(id, name, submittedAtMillis, deadlineEpochMillis, datacenters, workflows,
                    idempotencyKey, bodyDigest, gate, newFence, finished, spec, shares, minDatacenters, routing);
        }

        /** This entry without the job it holds (for answers, which need only the definition). */
        public Entry withoutJob() {
            return new Entry(id, name, submittedAtMillis, deadlineEpochMillis, datacenters, workflows,
                    idempotencyKey, bodyDigest, owner, fence, finished, "", shares, minDatacenters, routing);
        }

        Entry done() {
            return new Entry(id, name, submittedAtMillis, deadlineEpochMillis, datacenters, workflows,
                    idempotencyKey, bodyDigest, owner, fence, true, "", Map.of(), minDatacenters, routing);
        }
    }

    /** A change to the table. */
    public sealed interface Command permits Register, Reassign, Finished {
    }

    /** A new job, owned by the gate consistent hashing picked among the live gates. */
    public record Register(Entry entry) implements Command {
    }

    /** A gate is gone: its unfinished jobs move to the live gates, each with a higher fence. */
    public record Reassign(String gone, List<String> live) implements Command {
        public Reassign {
            live = List.copyOf(live);
        }
    }

    /** A job has its result: nothing to take over any more. */
    public record Finished(JobId jobId) implements Command {
    }

    private final Map<JobId, Entry> entries = new LinkedHashMap<>();
    private final Map<String, JobId> byIdempotencyKey = new LinkedHashMap<>();

    /**
     * Applies a command; returns the entries it created or changed. Registering a job whose
     * idempotency key is already taken changes nothing and returns the existing entry.
     */
    public List<Entry> apply(Command command) {
        if (command instanceof Register register) {
            Entry entry = register.entry();
            JobId existing = entry.idempotencyKey().isEmpty() ? null : byIdempotencyKey.get(entry.idempotencyKey());
            if (existing != null) {
                return List.of(entries.get(existing));
            }
            if (entries.containsKey(entry.id())) {
                return List.of(entries.get(entry.id()));
            }
            entries.put(entry.id(), entry);
            if (!entry.idempotencyKey().isEmpty()) {
                byIdempotencyKey.put(entry.idempotencyKey(), entry.id());
            }
            return List.of(entry);
        }
        if (command instanceof Reassign reassign) {
            List<Entry> moved = new ArrayList<>();
            List<String> live = reassign.live().stream().filter(gate -> !gate.equals(reassign.gone())).toList();
            if (live.isEmpty()) {
                return moved;
            }
            for (Entry entry : List.copyOf(entries.values())) {
                if (entry.owner().equals(reassign.gone()) && !entry.finished()) {
                    Entry next = entry.ownedBy(owner(entry.id(), live), entry.fence() + 1);
                    entries.put(entry.id(), next);
                    moved.add(next);
                }
            }
            return moved;
        }
        Finished finished = (Finished) command;
        Entry entry = entries.get(finished.jobId());
        if (entry == null || entry.finished()) {
            return List.of();
        }
        Entry done = entry.done();
        entries.put(done.id(), done);
        return List.of(done);
    }

    public Optional<Entry> get(JobId jobId) {
        return Optional.ofNullable(entries.get(jobId));
    }

    public Collection<Entry> entries() {
        return entries.values();
    }

    /** Every entry, in the order they were registered: the table's snapshot. */
    public List<Entry> snapshot() {
        return List.copyOf(entries.values());
    }

    /** Replaces the table with a snapshot's entries. */
    public void restore(List<Entry> snapshot) {
        entries.clear();
        byIdempotencyKey.clear();
        for (Entry entry : snapshot) {
            entries.put(entry.id(), entry);
            if (!entry.idempotencyKey().isEmpty()) {
                byIdempotencyKey.put(entry.idempotencyKey(), entry.id());
            }
        }
    }

    /** Forgets a finished job (the caller bounds how many it keeps). */
    public void forget(JobId jobId) {
        Entry entry = entries.remove(jobId);
        if (entry != null && !entry.idempotencyKey().isEmpty()) {
            byIdempotencyKey.remove(entry.idempotencyKey());
        }
    }

    /**
     * Rendezvous hashing: the gate whose hash with the job id is highest. Every gate computes the
     * same answer from the same list, and when a gate leaves only its own jobs move.
     */
    public static String owner(JobId jobId, Collection<String> gates) {
        return gates.stream().max(Comparator.comparingLong((String gate) -> weight(gate, jobId))
                .thenComparing(Comparator.naturalOrder())).orElseThrow();
    }

    private static long weight(String gate, JobId jobId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((gate + "\n" + jobId.value()).getBytes(StandardCharsets.UTF_8));
            long weight = 0;
            for (int i = 0; i < 8; i++) {
                weight = (weight << 8) | (digest[i] & 0xFF);
            }
            return weight;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
