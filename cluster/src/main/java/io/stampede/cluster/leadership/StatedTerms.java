package io.stampede.cluster.leadership;

import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;

/**
 * The Raft terms a group's members say they are in, each in its own name, and the highest term a
 * majority of them has reached. Raft elects a leader of term T only with the votes of a majority,
 * each of which is then in T or a later term, so a leader's fence above that term is one no
 * election gave: a number one member made up. The group's size is the largest any member has
 * stated (a member stating fewer cannot shrink the majority), and never fewer than the members
 * heard. A member's term only rises: an older statement, delivered late, changes nothing. Pure and
 * not thread-safe.
 */
public final class StatedTerms {

    /** At most this many members are heard, and a group of more is read as this many: Raft groups have a handful. */
    public static final int MAX_MEMBERS = 64;

    /** Each member's highest stated term. */
    private final Map<String, Long> terms = new HashMap<>();
    /** The largest group size stated. */
    private int size;
    /** The term the statements last showed a majority reached; −1 before they showed one. */
    private long verified = -1;

    /**
     * Takes a member's statement.
     *
     * @return false when it is not taken: a member past the first {@value #MAX_MEMBERS}
     */
    public boolean stated(String member, long term, int groupSize) {
        if (!terms.containsKey(member) && terms.size() == MAX_MEMBERS) {
            return false;
        }
        terms.merge(member, term, Math::max);
        size = Math.max(size, Math.min(groupSize, MAX_MEMBERS));
        long reached = majorityTerm();
        if (reached >= 0) {
            verified = reached;
        }
        return true;
    }

    /** How many members make a majority of the group as stated so far. */
    public int majority() {
        return Math.max(size, terms.size()) / 2 + 1;
    }

    /**
     * The highest term a majority of the group has stated it is in, or later; −1 until a majority
     * has stated anything. When a member states a larger group than there is, out of the members'
     * reach, it stays what the statements last showed: such a statement holds fences above it back,
     * it never lets one through. And a member that stated a group of one before the others spoke
     * is outvoted as soon as they do.
     */
    public long verified() {
        return verified;
    }

    private long majorityTerm() {
        int majority = majority();
        if (terms.size() < majority) {
            return -1;
        }
        return terms.values().stream().sorted(Comparator.reverseOrder()).skip(majority - 1L).findFirst().orElse(-1L);
    }

    /** Whether a fence is one a majority has reached, or no majority has stated a term yet. */
    public boolean allows(long fence) {
        long verified = verified();
        return verified < 0 || fence <= verified;
    }
}
