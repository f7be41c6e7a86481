package io.stampede.cluster.leadership;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Records written under a Raft group's fence, applied only when a majority of that group has
 * stated a term as high ({@link StatedTerms}), held in arrival order until one has, at most
 * {@value #WAIT_MILLIS} ms and {@value #MAX_WAITING} records. A reader keeps one per topic it
 * checks, with a group per datacenter whose fences it reads. A group that has stated nothing for
 * {@value #SILENT_MILLIS} ms (its members stopped stating to this reader: a reader of an older
 * protocol joined them) is not checked until it states again, and its waiting records are applied:
 * a check kept up against terms no longer stated would refuse every record of the group's next
 * leader. Where every member states to every reader ({@link #FenceCheck(boolean)}: the readers'
 * {@code stampede.protocol.minimum} guarantees it), a silent group stays checked instead: a node
 * could otherwise switch the check off by passing for a reader of an older protocol. Pure: the
 * caller passes the time and guards it with its own lock.
 *
 * @param <T> what the caller holds of a waiting record (its bytes and where it was, to refuse it)
 */
public final class FenceCheck<T> {

    /**
     * The longest a record waits for a majority to state a term as high as its fence, in
     * milliseconds; managers state theirs every 5 s and at once when it changes.
     */
    public static final long WAIT_MILLIS = 20_000;
    /** At most this many records wait; one more is refused at once. */
    public static final int MAX_WAITING = 1_000;
    /** A group that has stated nothing for this long, in milliseconds (three statements missed), is not checked. */
    public static final long SILENT_MILLIS = 15_000;
    /** At most this many groups are heard: a reader follows a datacenter each. */
    public static final int MAX_GROUPS = 256;
    /** The rejection reason of a record whose fence no majority of its group has stated. */
    public static final String UNVERIFIED_FENCE = "UNVERIFIED_FENCE";

    /** Whether the members state to every reader, so that a silent group is still checked. */
    private final boolean statedToAll;
    private final Map<String, StatedTerms> groups = new HashMap<>();
    /** When each group last stated a term, epoch milliseconds. */
    private final Map<String, Long> lastStated = new HashMap<>();
    private final ArrayDeque<Held<T>> waiting = new ArrayDeque<>();

    /** A record waiting for its fence to be stated. */
    public record Held<T>(String group, long fence, T record, long sinceMillis) {
    }

    /** A check of groups whose members may stop stating to this reader: a silent group is not checked. */
    public FenceCheck() {
        this(false);
    }

    /** @param statedToAll whether every member states its term to every reader: a silent group is still checked */
    public FenceCheck(boolean statedToAll) {
        this.statedToAll = statedToAll;
    }

    /** What becomes of a record offered. */
    public enum Offer {
        /** Its fence is verified, or its group has not stated a term yet: apply it now. */
        APPLY,
        /** It waits for its fence to be stated. */
        HELD,
        /** It cannot wait: {@value #MAX_WAITING} records wait already. Refuse it. */
        FULL
    }

    /** What the time does to the waiting records: some to apply now, others to refuse. */
    public record Expiry<T>(List<T> apply, List<Held<T>> refuse) {
    }

    /**
     * Takes a member's statement of its term and its group's size.
     *
     * @return the waiting records its group may apply now, in arrival order
     */
    public List<T> stated(String group, String member, long term, int groupSize, long nowMillis) {
        StatedTerms terms = groups.get(group);
        if (terms == null) {
            if (groups.size() == MAX_GROUPS) {
                return List.of();
            }
            terms = new StatedTerms();
            groups.put(group, terms);
        }
        if (!terms.stated(member, term, groupSize)) {
            return List.of();
        }
        lastStated.put(group, nowMillis);
        List<T> released = new ArrayList<>();
        for (Iterator<Held<T>> next = waiting.iterator(); next.hasNext();) {
            Held<T> held = next.next();
            if (held.group().equals(group) && terms.allows(held.fence())) {
                next.remove();
                released.add(held.record());
            }
        }
        return released;
    }

    /**
     * A record of {@code group} under {@code fence}. One applied now passes records that wait: those
     * have a higher fence, so none of them is its predecessor.
     */
    public Offer offer(String group, long fence, T record, long nowMillis) {
        if (!holds(group, fence, nowMillis)) {
            return Offer.APPLY;
        }
        if (waiting.size() >= MAX_WAITING) {
            return Offer.FULL;
        }
        waiting.addLast(new Held<>(group, fence, record, nowMillis));
        return Offer.HELD;
    }

    /**
     * Takes out the waiting records of groups that have gone {@linkplain #SILENT_MILLIS silent}, to
     * apply, and those that have waited {@value #WAIT_MILLIS} ms or more, to refuse; each in order.
     */
    public Expiry<T> expire(long nowMillis) {
        List<T> apply = new ArrayList<>();
        for (Iterator<Held<T>> next = waiting.iterator(); next.hasNext();) {
            Held<T> held = next.next();
            if (silent(held.group(), nowMillis)) {
                next.remove();
                apply.add(held.record());
            }
        }
        List<Held<T>> refuse = new ArrayList<>();
        while (!waiting.isEmpty() && nowMillis - waiting.peekFirst().sinceMillis() >= WAIT_MILLIS) {
            refuse.add(waiting.removeFirst());
        }
        return new Expiry<>(apply, refuse);
    }

    /** Whether a record of {@code group} under {@code fence} would wait now rather than be applied. */
    public boolean holds(String group, long fence, long nowMillis) {
        StatedTerms terms = groups.get(group);
        return terms != null && !silent(group, nowMillis) && !terms.allows(fence);
    }

    private boolean silent(String group, long nowMillis) {
        if (statedToAll) {
            return false;
        }
        Long last = lastStated.get(group);
        return last != null && nowMillis - last >= SILENT_MILLIS;
    }

    /** The highest term a majority of a group has stated, or −1 before one has. */
    public long verified(String group) {
        StatedTerms terms = groups.get(group);
        return terms == null ? -1 : terms.verified();
    }

    /** How many records wait. */
    public int waiting() {
        return waiting.size();
    }
}
