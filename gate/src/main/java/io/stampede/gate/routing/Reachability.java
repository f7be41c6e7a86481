package io.stampede.gate.routing;

/**
 * Whether this gate's probes reach a datacenter: PROBING until the first answer, REACHABLE on an
 * answer, SUSPECTED after {@link ProbeState#SUSPECT_AFTER_FAILURES} failures in a row (counted
 * from the first probe too), UNREACHABLE once suspected for {@link ProbeState#UNREACHABLE_AFTER}.
 * NOT_PROBED: its managers announce no probe address (an older manager). In PROBING and
 * NOT_PROBED its status records alone tell its health.
 */
public enum Reachability {
    NOT_PROBED, PROBING, REACHABLE, SUSPECTED, UNREACHABLE
}
