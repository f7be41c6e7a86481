package io.stampede.model.stats;

import java.util.List;
import java.util.Optional;

/**
 * What one workflow did from {@code startMillis} to {@code endMillis} (epoch milliseconds): the
 * unit workers stream, managers merge and reports total. Windows merge exactly (see
 * {@link WorkflowAccumulator}).
 *
 * @param iterations        iterations completed
 * @param droppedIterations open model: iterations due while {@code maxVus} were busy, never started
 * @param activeVus         virtual users running at the end of the window (concurrent windows add;
 *                          over time, the peak)
 */
public record WorkflowWindow(String workflow, long startMillis, long endMillis, long iterations,
        long droppedIterations, long activeVus, List<StepWindow> steps) {

    /** Larger than any count of requests or iterations a window could honestly hold: 2^50. */
    public static final long ABSURD_COUNT = 1L << 50;

    public WorkflowWindow {
        steps = List.copyOf(steps);
    }

    public double seconds() {
        return Math.max(0, endMillis - startMillis) / 1000.0;
    }

    /**
     * What makes this window impossible, if anything: a span that ends before it starts or before
     * the epoch, a negative or absurd count (at least {@link #ABSURD_COUNT}), more successes or
     * failures than requests, or a latency histogram that is not one or holds more latencies than
     * requests. A window read from the wire is checked before anything merges it.
     */
    public Optional<String> problem() {
        if (startMillis < 0 || endMillis < startMillis) {
            return Optional.of(workflow + ": a window from " + startMillis + " to " + endMillis);
        }
        if (!plausible(iterations) || !plausible(droppedIterations) || !plausible(activeVus)) {
            return Optional.of(workflow + ": iterations, droppedIterations and activeVus must be counts");
        }
        for (StepWindow step : steps) {
            Optional<String> problem = step.problem();
            if (problem.isPresent()) {
                return Optional.of(workflow + "/" + problem.get());
            }
        }
        return Optional.empty();
    }

    static boolean plausible(long count) {
        return count >= 0 && count < ABSURD_COUNT;
    }
}
