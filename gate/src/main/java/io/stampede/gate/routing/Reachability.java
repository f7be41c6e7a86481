package io.stampede.gate.routing;

/**
 * Whether this gate's probes reach a datacenter: REACHABLE on an answer, SUSPECTED after
 * {@link ProbeState#SUSPECT_AFTER_FAILURES} failures in a row, UNREACHABLE once suspected for
 * {@link ProbeState#UNREACHABLE_AFTER}. NOT_PROBED: its managers announce no probe address (an
 * older manager), so its status records alone tell its health.
 */
public enum Reachability {
    NOT_PROBED, REACHABLE, SUSPECTED, UNREACHABLE
}
