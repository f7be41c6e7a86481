package io.stampede.model.stats;

import java.util.List;

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

    public WorkflowWindow {
        steps = List.copyOf(steps);
    }

    public double seconds() {
        return Math.max(0, endMillis - startMillis) / 1000.0;
    }
}
