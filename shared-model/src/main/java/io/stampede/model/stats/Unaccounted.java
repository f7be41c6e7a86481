package io.stampede.model.stats;

import java.util.ArrayList;
import java.util.List;

/**
 * What a report cannot count, declared rather than hidden: requests that lost workers may have
 * sent after their last reported window. The target's count lies within [reported, reported +
 * {@code requestsAtMost}].
 *
 * @param requestsAtMost the most requests the lost workers may have sent and not reported
 * @param workers        the lost workers, in the order they were lost
 * @param reason         why, in words
 */
public record Unaccounted(long requestsAtMost, List<String> workers, String reason) {

    /** Nothing unaccounted. */
    public static final Unaccounted NONE = new Unaccounted(0, List.of(), "");

    /**
     * Beyond its last window the manager has, a worker that dies may have sent: a window it had
     * not closed yet; the window before it, closed but still in the worker (being encoded, or in
     * its Kafka producer, waiting for the broker), which dies with it; and requests in flight. The
     * bound is its last rate over this many window lengths. (It was 1.5 until a worker killed with
     * SIGKILL on a busy machine lost a closed window that way: 1.62 windows unreported.)
     */
    public static final double WINDOWS_AT_RISK = 2.5;

    private static final String REASON = "requests lost workers may have sent after their last reported window"
            + " (their last rate over " + WINDOWS_AT_RISK + " windows)";

    public Unaccounted {
        workers = workers == null ? List.of() : List.copyOf(workers);
        reason = reason == null ? "" : reason;
        if (requestsAtMost < 0) {
            throw new IllegalArgumentException("requestsAtMost cannot be negative: " + requestsAtMost);
        }
    }

    /** Whether there is anything unaccounted. */
    public boolean any() {
        return !workers.isEmpty();
    }

    /**
     * With a worker lost after it reported {@code lastWindow}: its rate in that window over
     * {@value #WINDOWS_AT_RISK} windows of at least a second. A worker that reported no window
     * is named and adds nothing here: the caller bounds it by its peers' rate instead.
     */
    public Unaccounted plusLost(String worker, WorkflowWindow lastWindow) {
        if (lastWindow != null && lastWindow.seconds() > 0) {
            return plusLost(worker, rate(lastWindow), lastWindow.seconds());
        }
        return plusLost(worker, 0, 1);
    }

    /**
     * With a worker lost while it sent {@code requestsPerSecond} in windows of
     * {@code windowSeconds}: that rate over {@value #WINDOWS_AT_RISK} windows of at least a second.
     * For a share lost before its first window, the caller estimates the rate from its peers.
     */
    public Unaccounted plusLost(String worker, double requestsPerSecond, double windowSeconds) {
        long bound = (long) Math.ceil(Math.max(0, requestsPerSecond) * Math.max(1.0, windowSeconds) * WINDOWS_AT_RISK);
        List<String> lost = new ArrayList<>(workers);
        if (!lost.contains(worker)) {
            lost.add(worker);
        }
        return new Unaccounted(requestsAtMost + bound, lost, REASON);
    }

    /** Requests a second in {@code window}; 0 for a window of no length. */
    public static double rate(WorkflowWindow window) {
        return window.seconds() <= 0 ? 0
                : window.steps().stream().mapToLong(StepWindow::requests).sum() / window.seconds();
    }

    /** Both together (two datacenters' parts of one job). */
    public Unaccounted plus(Unaccounted other) {
        if (!other.any()) {
            return this;
        }
        if (!any()) {
            return other;
        }
        List<String> lost = new ArrayList<>(workers);
        other.workers.stream().filter(worker -> !lost.contains(worker)).forEach(lost::add);
        return new Unaccounted(requestsAtMost + other.requestsAtMost, lost, REASON);
    }
}
