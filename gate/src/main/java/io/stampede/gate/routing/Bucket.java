package io.stampede.gate.routing;

/**
 * How usable a datacenter is, best first. A job never goes to a worse bucket for lower latency,
 * and never to an UNHEALTHY datacenter.
 */
public enum Bucket {
    /** Reachable, workers with free cores, a quorum of managers. */
    HEALTHY,
    /** Healthy, but no core is free: a job sent there shares the workers with the jobs running. */
    BUSY,
    /** Usable, with a warning: few of its workers or managers are up, or its health is stale. */
    DEGRADED,
    /** Never chosen. */
    UNHEALTHY;

    public boolean usable() {
        return this != UNHEALTHY;
    }
}
