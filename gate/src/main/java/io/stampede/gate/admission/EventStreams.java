package io.stampede.gate.admission;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Live event streams open on this gate: at most {@code maxTotal}, and {@code maxPerClient} per
 * client. Thread-safe; each {@link #open} that returns empty must be matched by one {@link #close}.
 */
public final class EventStreams {

    /** Why a stream was refused. */
    public enum Refusal {
        /** The client has its share open already: 429. */
        CLIENT_LIMIT,
        /** The gate has its limit open: 503. */
        GATE_LIMIT
    }

    private final int maxTotal;
    private final int maxPerClient;
    private final Map<String, Integer> byClient = new HashMap<>();
    private int total;

    public EventStreams(int maxTotal, int maxPerClient) {
        this.maxTotal = maxTotal;
        this.maxPerClient = maxPerClient;
    }

    /** Opens a stream for {@code client}, or says why not. */
    public synchronized Optional<Refusal> open(String client) {
        int mine = byClient.getOrDefault(client, 0);
        if (mine >= maxPerClient) {
            return Optional.of(Refusal.CLIENT_LIMIT);
        }
        if (total >= maxTotal) {
            return Optional.of(Refusal.GATE_LIMIT);
        }
        byClient.put(client, mine + 1);
        total++;
        return Optional.empty();
    }

    public synchronized void close(String client) {
        Integer mine = byClient.get(client);
        if (mine == null) {
            throw new IllegalStateException("closed a stream never opened for " + client);
        }
        if (mine == 1) {
            byClient.remove(client);
        } else {
            byClient.put(client, mine - 1);
        }
        total--;
    }

    public synchronized int open() {
        return total;
    }

    public int maxTotal() {
        return maxTotal;
    }

    public int maxPerClient() {
        return maxPerClient;
    }
}
