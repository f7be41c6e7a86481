package io.stampede.cluster.membership;

import io.stampede.cluster.membership.message.Update;
import io.stampede.cluster.membership.message.Wire;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Claims waiting to be piggybacked. Each is sent {@code λ · ⌈log10(n + 1)⌉} times (λ = the
 * retransmit multiplier, n = the members this node knows), least-sent and then freshest first,
 * as many as fit the room left in a datagram. A newer claim about a member replaces the queued
 * one. Not thread-safe.
 */
final class Broadcasts {

    private record Queued(Update update, long order, int transmits) {
    }

    private static final Comparator<Queued> PRIORITY =
            Comparator.comparingInt(Queued::transmits).thenComparing(Comparator.comparingLong(Queued::order).reversed());

    private final int retransmitMultiplier;
    private final Map<String, Queued> queue = new HashMap<>();
    private long order;

    Broadcasts(int retransmitMultiplier) {
        this.retransmitMultiplier = retransmitMultiplier;
    }

    /** Queues a claim, replacing any queued claim about the same member. */
    void add(Update update) {
        queue.put(update.id(), new Queued(update, order++, 0));
    }

    /** How many times each claim is sent in a cluster of {@code members}. */
    int limit(int members) {
        return retransmitMultiplier * (int) Math.ceil(Math.log10(members + 1.0));
    }

    int size() {
        return queue.size();
    }

    /**
     * Takes the claims to piggyback on one message: the highest-priority ones that fit in
     * {@code room} bytes, skipping the member {@code exclude} names (the receiver knows best
     * about itself... except when it is told it is suspected, so only ALIVE claims are skipped).
     */
    List<Update> take(int room, int members, String exclude) {
        if (queue.isEmpty() || room <= 0) {
            return List.of();
        }
        int limit = Math.max(1, limit(members));
        List<Queued> candidates = new ArrayList<>(queue.values());
        candidates.sort(PRIORITY);
        List<Update> chosen = new ArrayList<>();
        for (Queued queued : candidates) {
            Update update = queued.update();
            if (update.id().equals(exclude) && update.state() == MemberState.ALIVE) {
                continue;
            }
            int size = Wire.sizeOf(update);
            if (size > room) {
                continue;
            }
            room -= size;
            chosen.add(update);
            if (queued.transmits() + 1 >= limit) {
                queue.remove(update.id());
            } else {
                queue.put(update.id(), new Queued(update, queued.order(), queued.transmits() + 1));
            }
            if (room < 16) {
                break;
            }
        }
        return chosen;
    }
}
