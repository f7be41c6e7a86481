package io.stampede.gate.routing;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Why a job went where it went: every candidate with its bucket, round trip and score, the rule
 * that decided, and the fallback chain. Recorded with the job: its registration in the gates'
 * table, its view and its report.
 *
 * @param placement the job's placement strategy (latency, capacity, spread)
 * @param rule      which rule decided (see {@link Rule})
 * @param reason    the decision in a sentence
 * @param chosen    the datacenters chosen, primary first
 * @param fallback  every usable datacenter in the order the gate would take them
 * @param spilledFrom the nearest usable datacenter, when it was passed over because no core was
 *                  free there (the job spilled over to one with free cores); empty otherwise
 */
public record RoutingDecision(String placement, Rule rule, String reason, List<String> chosen,
        List<String> fallback, List<Candidate> candidates, long decidedAtMillis, String spilledFrom) {

    public RoutingDecision {
        chosen = List.copyOf(chosen);
        fallback = List.copyOf(fallback);
        candidates = List.copyOf(candidates);
        spilledFrom = spilledFrom == null ? "" : spilledFrom;
    }

    /** The rules that decide a routing, in the words of docs/routing.md. */
    public enum Rule {
        /** The job named its datacenters. */
        NAMED,
        /** The job runs in every usable datacenter. */
        ALL,
        /** Too few latency samples yet: ranked by free cores, then running jobs. */
        BOOTSTRAP,
        /** Placement {@code capacity}: ranked by free cores, then running jobs. */
        CAPACITY,
        /** The lowest score won (no earlier choice to hold, or it was this one). */
        BEST_SCORE,
        /** The earlier choice is held: it was made less than 30 s ago. */
        HELD,
        /** The earlier choice is kept: the best score is not at most 0.8× of its own. */
        KEPT,
        /** Switched: the best score is at most 0.8× of the earlier choice's. */
        SWITCHED,
        /** Switched at once: the earlier choice was excluded, fell to a worse bucket, or degraded. */
        FORCED,
        /**
         * The nearest datacenter is BUSY, but a core frees there within 60 s or the next one with
         * free cores is over 100 ms farther: the job goes there and waits (QUEUED).
         */
        WAITS,
        /** No datacenter could take the job. */
        REFUSED
    }

    /**
     * One datacenter as the router saw it.
     *
     * @param excluded        why it could not be chosen; empty when it could
     * @param rttMillis       the probes' coordinate estimate of its round trip
     * @param rttUpperBoundMillis the estimate plus two deviations
     * @param observedMillis  dispatch-to-first-progress average (0 before the first sample)
     * @param blendedMillis   the RTT bound plus, by confidence, how much slower than the quickest it starts jobs
     * @param score           lower is better; null when excluded
     */
    public record Candidate(String name, Bucket bucket, String why, String excluded, double rttMillis,
            double rttUpperBoundMillis, double observedMillis, double blendedMillis, int freeCores, int activeJobs,
            boolean preferred, boolean coolingDown, @JsonInclude(JsonInclude.Include.NON_NULL) Double score) {
    }
}
