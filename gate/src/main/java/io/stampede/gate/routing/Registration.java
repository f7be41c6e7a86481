package io.stampede.gate.routing;

/**
 * Where a new datacenter is in joining: the gate has heard of its managers but had no answer
 * (AWAITING), has answers but no quorum of managers or no worker yet (INITIALIZING), or has seen it
 * whole once (READY, for good). Only READY datacenters take jobs.
 */
public enum Registration {
    AWAITING, INITIALIZING, READY
}
