package io.stampede.gate.routing;

import io.stampede.model.load.LoadState;

/**
 * Puts a datacenter in its {@link Bucket} and {@link Registration}, by rules checked in order; the
 * first that matches decides, and says why. Pure.
 */
public final class HealthRules {

    /**
     * What is known of a datacenter now.
     *
     * @param managersAlive  its managers up now (0 when none has answered or reported)
     * @param managersTotal  how many managers it has in all
     * @param workers        its live workers
     * @param healthyWorkers those of them that take new shares (not OVERLOADED)
     * @param stale          no status record or probe answer arrived within {@link #STALE_AFTER}
     * @param silent         nothing arrived within {@link #SILENT_AFTER}
     * @param probeFailure   why the last probe failed; empty when it answered
     */
    public record Inputs(Reachability reachability, int managersAlive, int managersTotal, int workers,
            int healthyWorkers, int freeCores, LoadState managerLoad, boolean stale, boolean silent,
            String probeFailure) {
    }

    /** A bucket and the rule that put the datacenter there (empty for HEALTHY). */
    public record Verdict(Bucket bucket, String why) {
    }

    /** A datacenter's health is stale when nothing was heard of it for this long (status every 2 s). */
    public static final java.time.Duration STALE_AFTER = java.time.Duration.ofSeconds(6);
    /** ...and it is UNHEALTHY when nothing was heard for this long (as long as probes take to evict). */
    public static final java.time.Duration SILENT_AFTER = ProbeState.UNREACHABLE_AFTER;

    private HealthRules() {
    }

    /**
     * <ol>
     * <li>UNHEALTHY when unreachable or silent, with no manager or no worker up, with no worker that takes
     * new shares, or with an OVERLOADED manager;</li>
     * <li>DEGRADED when suspected or stale, or with fewer than a majority of its workers taking new
     * shares, or fewer than a majority of its managers up;</li>
     * <li>BUSY when no core is free;</li>
     * <li>otherwise HEALTHY.</li>
     * </ol>
     */
    public static Verdict bucket(Inputs in) {
        String last = in.probeFailure().isEmpty() ? "" : " (last: " + in.probeFailure() + ")";
        if (in.reachability() == Reachability.UNREACHABLE) {
            return new Verdict(Bucket.UNHEALTHY, "no probe answered for " + ProbeState.UNREACHABLE_AFTER.toSeconds()
                    + " s after " + ProbeState.SUSPECT_AFTER_FAILURES + " failures in a row" + last);
        }
        if (in.silent()) {
            return new Verdict(Bucket.UNHEALTHY, "nothing heard from it for " + SILENT_AFTER.toSeconds() + " s");
        }
        if (in.managersAlive() == 0) {
            return new Verdict(Bucket.UNHEALTHY, "no manager is up");
        }
        if (in.workers() == 0) {
            return new Verdict(Bucket.UNHEALTHY, "it has no worker");
        }
        if (in.healthyWorkers() == 0) {
            return new Verdict(Bucket.UNHEALTHY, "it has no worker that takes new shares");
        }
        if (in.managerLoad() == LoadState.OVERLOADED) {
            return new Verdict(Bucket.UNHEALTHY, "its manager is overloaded");
        }
        if (in.reachability() == Reachability.SUSPECTED) {
            return new Verdict(Bucket.DEGRADED, "its last " + ProbeState.SUSPECT_AFTER_FAILURES
                    + " probes failed" + last);
        }
        if (in.stale()) {
            return new Verdict(Bucket.DEGRADED, "its health is stale (no recent status or probe answer)");
        }
        if (in.healthyWorkers() < majority(in.workers())) {
            return new Verdict(Bucket.DEGRADED, in.healthyWorkers() + " of its " + in.workers()
                    + " workers take new shares");
        }
        if (in.managersAlive() < majority(in.managersTotal())) {
            return new Verdict(Bucket.DEGRADED, in.managersAlive() + " of its " + in.managersTotal()
                    + " managers are up");
        }
        if (in.freeCores() <= 0) {
            return new Verdict(Bucket.BUSY, "no core is free");
        }
        return new Verdict(Bucket.HEALTHY, "");
    }

    /**
     * AWAITING until anything is heard; INITIALIZING until a majority of its managers is up and it
     * has a worker; then READY. {@code wasReady} keeps a datacenter READY once it has been.
     */
    public static Registration registration(boolean heard, boolean wasReady, int managersAlive, int managersTotal,
            int workers) {
        if (wasReady) {
            return Registration.READY;
        }
        if (!heard) {
            return Registration.AWAITING;
        }
        return managersAlive >= majority(managersTotal) && workers > 0 ? Registration.READY
                : Registration.INITIALIZING;
    }

    static int majority(int of) {
        return of / 2 + 1;
    }
}
