package io.stampede.worker.engine;

import java.time.Duration;
import java.util.Map;

import io.stampede.model.job.WorkflowSpec;

/**
 * The part of a workflow one engine runs.
 *
 * @param workflow      the workflow as written
 * @param variables     job variables plus the values exported by the workflows it depends on
 * @param vus           closed model: virtual users to run here
 * @param rateFactor    open model: this engine's fraction of the workflow's rate (1 for all of it)
 * @param maxVus        open model: iterations that may run at once here
 * @param firstVu       number of the first virtual user here ({@code {{vu}}}), so numbers are unique
 *                      across workers
 * @param window        how often statistics are emitted
 * @param seed          seeds {@code {{uuid}}}, {@code {{randomInt}}} and think times
 */
public record WorkflowShare(WorkflowSpec workflow, Map<String, String> variables, int vus, double rateFactor,
        int maxVus, long firstVu, Duration window, long seed) {

    /** The default statistics window. */
    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(1);

    public WorkflowShare {
        variables = Map.copyOf(variables);
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("the statistics window must be positive");
        }
    }

    /** The whole workflow on this engine. */
    public static WorkflowShare whole(WorkflowSpec workflow, Map<String, String> variables) {
        int vus = workflow.load() instanceof WorkflowSpec.Closed closed ? closed.vus() : 0;
        int maxVus = workflow.load() instanceof WorkflowSpec.Open open ? open.maxVus() : 0;
        // The seed only makes generated values differ from run to run; nothing decides by it as a
        // time, so the moment is as good a seed as any and need not come from an injected clock.
        return new WorkflowShare(workflow, variables, vus, 1.0, maxVus, 1, DEFAULT_WINDOW, System.nanoTime());
    }

    /** The same share with another statistics window. */
    public WorkflowShare withWindow(Duration value) {
        return new WorkflowShare(workflow, variables, vus, rateFactor, maxVus, firstVu, value, seed);
    }
}
