package io.stampede.model.stats;

import java.util.List;
import java.util.Map;

/**
 * A workflow's statistics as people read them: counts, failures by reason, checks, throughput
 * and latency percentiles in milliseconds, per step. Derived from a (merged) window.
 */
public record WorkflowReport(String workflow, double seconds, long iterations, long droppedIterations,
        List<StepReport> steps) {

    /** One step's figures. */
    public record StepReport(String step, long requests, long successes, long failed, Map<String, Long> failures,
            long bytesSent, long bytesReceived, Map<String, StepWindow.CheckTally> checks, double requestsPerSecond,
            LatencySummary latencyMs) {
    }

    public static WorkflowReport of(WorkflowWindow window) {
        double seconds = window.seconds();
        List<StepReport> steps = window.steps().stream().map(step -> new StepReport(step.step(), step.requests(),
                step.successes(), step.failed(), step.failures(), step.bytesSent(), step.bytesReceived(), step.checks(),
                seconds > 0 ? step.requests() / seconds : 0, LatencySummary.of(step.latency()))).toList();
        return new WorkflowReport(window.workflow(), seconds, window.iterations(), window.droppedIterations(), steps);
    }
}
