package io.stampede.cluster.coordinates;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * This node's coordinate and what it knows of its peers' coordinates: RTT estimates, their upper
 * bounds and how far to trust them. Coordinates arrive on pings and acks; each measured round trip
 * also moves this node's own coordinate. Time is passed in (milliseconds on any monotonic scale).
 * Not thread-safe.
 *
 * <p>Coordinate errors are dimensionless (a relative error, 1.5 for a new coordinate), so the
 * reference's "20 ms" error threshold is read here as a relative error of 0.2.
 */
public final class PeerCoordinates {

    /** A peer's coordinate is stale once unheard for this long, and forgotten by {@link #cleanup}. */
    public static final long STALE_AFTER_MILLIS = 300_000;
    /** Samples after which a peer's estimate counts as fully informed. */
    static final int FULL_SAMPLES = 10;
    /** The relative error at or under which a coordinate is trusted fully, and counts as converged. */
    static final double GOOD_ERROR = 0.2;
    private static final double MIN_SIGMA = 0.001;
    private static final double MAX_SIGMA = 0.5;
    private static final double MIN_BOUND = 0.001;
    private static final double MAX_BOUND = 10.0;
    /** Assumed when a peer's coordinate is unknown: 100 ms, give or take 50 ms. */
    private static final double UNKNOWN_RTT = 0.1;
    private static final double UNKNOWN_SIGMA = 0.05;

    private record Peer(Coordinate coordinate, int samples, long heardAt) {
    }

    private final VivaldiClient client;
    private final Map<String, Peer> peers = new HashMap<>();

    public PeerCoordinates(VivaldiConfig config, RandomGenerator random) {
        this.client = new VivaldiClient(config, random);
    }

    /** This node's own coordinate. */
    public Coordinate coordinate() {
        return client.coordinate();
    }

    /** A peer's coordinate heard without a round trip (it pinged us). */
    public void heard(String peer, Coordinate theirs, long nowMillis) {
        Peer known = peers.get(peer);
        peers.put(peer, new Peer(theirs, known == null ? 0 : known.samples, nowMillis));
    }

    /** A measured round trip to a peer, with the coordinate it sent back. */
    public void measured(String peer, Coordinate theirs, double rttSeconds, long nowMillis) {
        client.update(peer, theirs, rttSeconds);
        Peer known = peers.get(peer);
        peers.put(peer, new Peer(theirs, (known == null ? 0 : known.samples) + 1, nowMillis));
    }

    /** The estimated round trip to a peer, in seconds, if its coordinate is known. */
    public Optional<Double> estimatedRtt(String peer) {
        Peer known = peers.get(peer);
        return known == null ? Optional.empty() : Optional.of(client.coordinate().distanceTo(known.coordinate));
    }

    /**
     * A round trip the peer should answer within, in seconds: the estimate plus two standard
     * deviations, where the deviation is the two coordinates' combined relative error times the
     * estimate (within 1..500 ms), clamped to 1 ms..10 s. Unknown peers get 100 ms ± 50 ms.
     */
    public double rttUpperBound(String peer) {
        Peer known = peers.get(peer);
        if (known == null) {
            return UNKNOWN_RTT + 2 * UNKNOWN_SIGMA;
        }
        double rtt = client.coordinate().distanceTo(known.coordinate);
        double sigma = clamp((client.coordinate().error() + known.coordinate.error()) * rtt, MIN_SIGMA, MAX_SIGMA);
        return clamp(rtt + 2 * sigma, MIN_BOUND, MAX_BOUND);
    }

    /**
     * How far to trust the estimate for a peer, 0..1: more samples, a smaller error of our own
     * coordinate and a fresher peer coordinate each raise it. 0 for an unknown peer.
     */
    public double quality(String peer, long nowMillis) {
        Peer known = peers.get(peer);
        if (known == null) {
            return 0;
        }
        double samples = Math.min(1.0, known.samples / (double) FULL_SAMPLES);
        double error = Math.min(1.0, GOOD_ERROR / Math.max(client.coordinate().error(), 1e-9));
        double staleness = clamp(1.0 - (nowMillis - known.heardAt) / (double) STALE_AFTER_MILLIS, 0, 1);
        return samples * error * staleness;
    }

    /** Whether this node's coordinate has settled: enough updates and a small error. */
    public boolean converged() {
        return client.updates() >= FULL_SAMPLES && client.coordinate().error() <= GOOD_ERROR;
    }

    /** Forgets a peer (it left or died). */
    public void forget(String peer) {
        peers.remove(peer);
        client.forget(peer);
    }

    /** Forgets peers unheard for {@link #STALE_AFTER_MILLIS}; returns how many. */
    public int cleanup(long nowMillis) {
        int before = peers.size();
        peers.entrySet().removeIf(entry -> {
            boolean stale = nowMillis - entry.getValue().heardAt > STALE_AFTER_MILLIS;
            if (stale) {
                client.forget(entry.getKey());
            }
            return stale;
        });
        return before - peers.size();
    }

    private static double clamp(double value, double min, double max) {
        return Math.max(min, Math.min(max, value));
    }
}
