package io.stampede.model.stats;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What one step did in one window (or, merged, over a longer time): counts, failures by reason,
 * bytes, checks, and its latency histogram (compressed HdrHistogram, microseconds).
 *
 * @param failures      failed requests by reason: {@code http_4xx}, {@code http_5xx},
 *                      {@code check:<name>}, {@code timeout}, {@code connection_refused},
 *                      {@code connection_reset}, {@code dns}, {@code tls}, {@code interrupted}, …
 * @param bytesSent     request body bytes
 * @param bytesReceived response body bytes
 * @param checks        each check's passes and failures, by check name, in the order the step declares them
 * @param latency       {@link LatencyHistograms#encode encoded} histogram of every request that was sent
 * @param notSent       requests that were never sent, by reason ({@code invalid_url},
 *                      {@code missing_variable:<name>}): not in {@code requests} nor in the histogram
 */
public record StepWindow(String step, long requests, long successes, Map<String, Long> failures, long bytesSent,
        long bytesReceived, Map<String, CheckTally> checks, byte[] latency, Map<String, Long> notSent) {

    public StepWindow {
        failures = Map.copyOf(failures);
        checks = Collections.unmodifiableMap(new LinkedHashMap<>(checks));
        notSent = notSent == null ? Map.of() : Map.copyOf(notSent);
    }

    /** A window in which every request was sent. */
    public StepWindow(String step, long requests, long successes, Map<String, Long> failures, long bytesSent,
            long bytesReceived, Map<String, CheckTally> checks, byte[] latency) {
        this(step, requests, successes, failures, bytesSent, bytesReceived, checks, latency, Map.of());
    }

    /** Requests that were never sent, whatever the reason. */
    public long unsent() {
        return notSent.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Passes and failures of one check. */
    public record CheckTally(long passed, long failed) {
        public CheckTally plus(CheckTally other) {
            return new CheckTally(passed + other.passed, failed + other.failed);
        }
    }

    /** What makes this step's window impossible, if anything (see {@link WorkflowWindow#problem()}). */
    public Optional<String> problem() {
        if (!WorkflowWindow.plausible(requests) || bytesSent < 0 || bytesReceived < 0 || successes < 0
                || successes > requests) {
            return Optional.of(step + ": requests, successes and bytes must be counts, successes at most requests");
        }
        long failed = 0;
        for (long count : failures.values()) {
            if (!WorkflowWindow.plausible(count)) {
                return Optional.of(step + ": a failure count of " + count);
            }
            failed += count;
        }
        if (failed > requests) {
            return Optional.of(step + ": " + failed + " failures of " + requests + " requests");
        }
        if (!notSent.values().stream().allMatch(WorkflowWindow::plausible)) {
            return Optional.of(step + ": notSent must hold counts");
        }
        if (!checks.values().stream().allMatch(tally -> WorkflowWindow.plausible(tally.passed())
                && WorkflowWindow.plausible(tally.failed()))) {
            return Optional.of(step + ": checks must hold counts");
        }
        try {
            long latencies = LatencyHistograms.decode(latency).getTotalCount();
            if (latencies > requests) {
                return Optional.of(step + ": " + latencies + " latencies for " + requests + " requests");
            }
        } catch (RuntimeException e) {
            return Optional.of(step + ": the latency is not an encoded histogram (" + e.getMessage() + ")");
        }
        return Optional.empty();
    }

    /** Requests that failed, whatever the reason. */
    public long failed() {
        return requests - successes;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof StepWindow that && step.equals(that.step) && requests == that.requests
                && successes == that.successes && failures.equals(that.failures) && bytesSent == that.bytesSent
                && bytesReceived == that.bytesReceived && checks.equals(that.checks) && notSent.equals(that.notSent)
                && LatencyHistograms.decode(latency).equals(LatencyHistograms.decode(that.latency));
    }

    @Override
    public int hashCode() {
        return Objects.hash(step, requests, successes, failures, bytesSent, bytesReceived, checks, notSent,
                Arrays.hashCode(latency));
    }

    @Override
    public String toString() {
        return "StepWindow[" + step + ": " + requests + " requests, " + successes + " ok, failures " + failures
                + (notSent.isEmpty() ? "" : ", not sent " + notSent) + "]";
    }
}
