package io.stampede.gate.routing;

import java.time.Duration;

/**
 * Whether this gate's probes reach one datacenter. PROBING until an answer makes it REACHABLE;
 * five failures in a row (from the first probe on, too) make it SUSPECTED; suspected for 30 s it
 * is UNREACHABLE, or for 90 s when three or more datacenters fail at once (then the fault is more
 * likely this gate's own network, and evicting them all would stop every job for nothing). Not
 * thread-safe; time comes in with each call.
 */
public final class ProbeState {

    public static final int SUSPECT_AFTER_FAILURES = 5;
    public static final Duration UNREACHABLE_AFTER = Duration.ofSeconds(30);
    /** Added to {@link #UNREACHABLE_AFTER} while failures are correlated (MEDIUM or HIGH). */
    public static final Duration CORRELATED_DELAY = Duration.ofSeconds(60);

    private Reachability reachability = Reachability.PROBING;
    private int failures;
    private long suspectedAt;
    private long lastFailureAt = -1;
    private String lastFailure = "";

    public void answered() {
        reachability = Reachability.REACHABLE;
        failures = 0;
    }

    public void failed(String why, long nowMillis) {
        failures++;
        lastFailureAt = nowMillis;
        lastFailure = why;
        if ((reachability == Reachability.REACHABLE || reachability == Reachability.PROBING)
                && failures >= SUSPECT_AFTER_FAILURES) {
            reachability = Reachability.SUSPECTED;
            suspectedAt = nowMillis;
        }
    }

    /** Moves a suspected datacenter to UNREACHABLE once it has been suspected long enough. */
    public Reachability evaluate(long nowMillis, FailureCorrelation.Severity correlation) {
        if (reachability == Reachability.SUSPECTED) {
            long limit = UNREACHABLE_AFTER.toMillis()
                    + (correlation.delaysEviction() ? CORRELATED_DELAY.toMillis() : 0);
            if (nowMillis - suspectedAt >= limit) {
                reachability = Reachability.UNREACHABLE;
            }
        }
        return reachability;
    }

    public Reachability reachability() {
        return reachability;
    }

    /** Whether the last probe failed. */
    public boolean failing() {
        return failures > 0;
    }

    public int failures() {
        return failures;
    }

    public long lastFailureAt() {
        return lastFailureAt;
    }

    /** Why the last probe failed; empty when it answered. */
    public String lastFailure() {
        return failures > 0 ? lastFailure : "";
    }
}
