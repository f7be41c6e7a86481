package io.stampede.worker.engine;

import java.util.Map;

import io.stampede.model.stats.WorkflowWindow;

/**
 * How a workflow run ended.
 *
 * @param outcome whether it ran to its end or was cancelled
 * @param totals  every window merged: the whole run
 * @param exports the values of the workflow's exported variables, from the last iteration that
 *                extracted each
 */
public record WorkflowResult(String workflow, Outcome outcome, WorkflowWindow totals, Map<String, String> exports) {

    public WorkflowResult {
        exports = Map.copyOf(exports);
    }

    public enum Outcome {
        COMPLETED, CANCELLED
    }
}
