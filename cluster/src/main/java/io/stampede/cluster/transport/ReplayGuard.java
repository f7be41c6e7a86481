package io.stampede.cluster.transport;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Refuses a signed datagram that is not fresh: one stamped outside {@code window} of this node's
 * clock (a capture replayed later, or a sender whose clock is far off), or one whose nonce was seen
 * already (a capture replayed at once). Remembers the nonces of at most {@code capacity} datagrams;
 * when full it forgets the oldest and from then on refuses anything stamped at or before it, so a
 * forgotten nonce can never be replayed. Pure: the time is passed in. Not thread-safe.
 */
final class ReplayGuard {

    /** A datagram's freshness. */
    enum Verdict {
        FRESH, STALE, REPLAYED
    }

    private final long windowMillis;
    private final int capacity;
    private final Map<Long, Long> seen = new HashMap<>();
    /** Nonces in the order they were seen, each with its stamp: {@code [stamp, nonce]}. */
    private final ArrayDeque<long[]> order = new ArrayDeque<>();
    /** Stamps at or before this are refused: a nonce stamped so was forgotten for room. */
    private long floor = Long.MIN_VALUE;

    ReplayGuard(long windowMillis, int capacity) {
        if (windowMillis <= 0 || capacity <= 0) {
            throw new IllegalArgumentException("a replay guard needs a positive window and capacity");
        }
        this.windowMillis = windowMillis;
        this.capacity = capacity;
    }

    /** Judges a datagram stamped {@code stamp} with {@code nonce}, received at {@code now}; a fresh one is remembered. */
    Verdict check(long stamp, long nonce, long now) {
        if (stamp < now - windowMillis || stamp > now + windowMillis || stamp <= floor) {
            return Verdict.STALE;
        }
        forgetExpired(now);
        if (seen.containsKey(nonce)) {
            return Verdict.REPLAYED;
        }
        if (seen.size() >= capacity) {
            long[] oldest = order.removeFirst();
            seen.remove(oldest[1]);
            floor = Math.max(floor, oldest[0]);
            if (stamp <= floor) {
                return Verdict.STALE;
            }
        }
        seen.put(nonce, stamp);
        order.addLast(new long[] {stamp, nonce});
        return Verdict.FRESH;
    }

    /** Nonces remembered now. */
    int remembered() {
        return seen.size();
    }

    /** Forgets nonces stamped before the window: a replay of one is refused as stale anyway. */
    private void forgetExpired(long now) {
        while (!order.isEmpty() && order.peekFirst()[0] < now - windowMillis) {
            seen.remove(order.removeFirst()[1]);
        }
    }
}
