package io.stampede.gate.routing;

import java.time.Duration;
import java.util.Collection;

/**
 * How many datacenters fail this gate's probes at once: several at the same time point to the
 * gate's own network rather than to the datacenters, so their eviction waits longer. Pure.
 */
public final class FailureCorrelation {

    /** Failures this recent count as "at once". */
    public static final Duration WINDOW = Duration.ofSeconds(30);

    public enum Severity {
        /** At most one datacenter failing. */
        NONE,
        /** Two. */
        LOW,
        /** Three or more. */
        MEDIUM,
        /** Four or more, and at least half of all datacenters. */
        HIGH;

        public boolean delaysEviction() {
            return this == MEDIUM || this == HIGH;
        }
    }

    private FailureCorrelation() {
    }

    /** The severity among {@code states} (one per probed datacenter) at {@code nowMillis}. */
    public static Severity severity(Collection<ProbeState> states, long nowMillis) {
        long failing = states.stream().filter(state -> state.failing()
                && nowMillis - state.lastFailureAt() <= WINDOW.toMillis()).count();
        if (failing >= 4 && failing * 2 >= states.size()) {
            return Severity.HIGH;
        }
        if (failing >= 3) {
            return Severity.MEDIUM;
        }
        return failing >= 2 ? Severity.LOW : Severity.NONE;
    }
}
