package io.stampede.gate.routing;

import java.util.HashMap;
import java.util.Map;
import java.util.random.RandomGenerator;

import io.stampede.cluster.coordinates.Coordinate;
import io.stampede.cluster.coordinates.PeerCoordinates;
import io.stampede.cluster.coordinates.VivaldiClient;
import io.stampede.cluster.coordinates.VivaldiConfig;

/**
 * Network coordinates of this gate and of each datacenter it probes, learnt from the probes'
 * measured round trips alone. The gate keeps both ends: each round trip moves the gate's
 * coordinate towards the datacenter's and the datacenter's towards the gate's, as two Vivaldi
 * nodes measuring each other would. (A manager's own coordinate lives in its cluster's membership,
 * a different space; probe answers carry it, but it is not mixed in.) Not thread-safe.
 */
public final class ProbeCoordinates {

    private final VivaldiConfig config;
    private final RandomGenerator random;
    private final PeerCoordinates gate;
    private final Map<String, VivaldiClient> datacenters = new HashMap<>();
    private final Map<String, Integer> samples = new HashMap<>();

    public ProbeCoordinates(VivaldiConfig config, RandomGenerator random) {
        this.config = config;
        this.random = random;
        this.gate = new PeerCoordinates(config, random);
    }

    /** A probe to {@code datacenter} answered after {@code rttSeconds}. */
    public void measured(String datacenter, double rttSeconds, long nowMillis) {
        VivaldiClient theirs = datacenters.computeIfAbsent(datacenter, dc -> new VivaldiClient(config, random));
        Coordinate before = theirs.coordinate();
        theirs.update("gate", gate.coordinate(), rttSeconds);
        gate.measured(datacenter, before, rttSeconds, nowMillis);
        gate.heard(datacenter, theirs.coordinate(), nowMillis);
        samples.merge(datacenter, 1, Integer::sum);
    }

    /** The estimated round trip, in milliseconds; 100 ms for a datacenter never measured. */
    public double rttMillis(String datacenter) {
        return gate.estimatedRtt(datacenter).orElse(0.1) * 1000;
    }

    /** The estimate's upper bound (estimate plus two deviations), in milliseconds. */
    public double rttUpperBoundMillis(String datacenter) {
        return gate.rttUpperBound(datacenter) * 1000;
    }

    /** How far to trust the estimate, 0..1. */
    public double quality(String datacenter, long nowMillis) {
        return gate.quality(datacenter, nowMillis);
    }

    /** Round trips measured to the datacenter. */
    public int samples(String datacenter) {
        return samples.getOrDefault(datacenter, 0);
    }

    public void forget(String datacenter) {
        datacenters.remove(datacenter);
        samples.remove(datacenter);
        gate.forget(datacenter);
    }
}
