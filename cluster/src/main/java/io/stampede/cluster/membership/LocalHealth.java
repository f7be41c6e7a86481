package io.stampede.cluster.membership;

/**
 * Lifeguard's local health multiplier: how much this node doubts itself. It rises when this node
 * misses acks or nacks or has to refute a suspicion of itself (signs that its own processing or
 * network is slow), falls with each successful probe, and stays within 0..{@value #MAX}. Probe
 * periods and timeouts are stretched by {@code 1 + multiplier}. Not thread-safe.
 */
public final class LocalHealth {

    /** The highest multiplier. */
    public static final int MAX = 8;

    private int score;

    public int score() {
        return score;
    }

    /** {@code 1 + score}: the factor applied to probe periods and timeouts. */
    public int multiplier() {
        return 1 + score;
    }

    /** A probe this node sent got no ack in time. */
    public void missedAck() {
        raise();
    }

    /** An indirect probe through a peer got no nack back: the trouble may be ours. */
    public void missedNack() {
        raise();
    }

    /** Another member suspected this node, and it had to refute. */
    public void refuted() {
        raise();
    }

    /** A probe succeeded. */
    public void probeSucceeded() {
        score = Math.max(0, score - 1);
    }

    private void raise() {
        score = Math.min(MAX, score + 1);
    }
}
