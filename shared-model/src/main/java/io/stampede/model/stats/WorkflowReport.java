package io.stampede.model.stats;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.stampede.model.lifecycle.WorkflowState;

/**
 * A workflow's statistics as people read them: counts, failures by reason, requests never sent,
 * checks, throughput and latency percentiles in milliseconds, per step. Derived from windows by
 * {@link #of(String, WorkflowState, List, Map)}, the one function behind the live view, the
 * tables, the reports and the API.
 *
 * <p>Rates come from the windows' own timestamps, never from when anyone received them. A
 * workflow runs in several places at once (datacenters), which need not start together (each
 * starts a dependent workflow when its own dependency completes), so the rate of the whole is
 * the sum of each part's requests over that part's own running time, and {@code seconds} is the
 * longest part's running time: a 20/s workflow split over two datacenters that started 1.5 s
 * apart reports 20/s and the time it ran, not 200 requests over the 11.5 s from the first start
 * to the last end.
 *
 * @param state             the workflow's state over every datacenter ({@link WorkflowState#across});
 *                          absent when not known
 * @param seconds           how long the workflow ran: its longest-running part's time
 * @param droppedIterations open model: iterations that were due while every one of {@code maxVus}
 *                          virtual users was busy, so never started
 */
public record WorkflowReport(String workflow, @JsonInclude(JsonInclude.Include.NON_NULL) WorkflowState state,
        double seconds, long iterations, long droppedIterations, List<StepReport> steps) {

    /**
     * One step's figures.
     *
     * @param notSent                  requests never sent, by reason; not in {@code requests}
     * @param requestsPerSecond        over the whole run (see the class comment)
     * @param currentRequestsPerSecond over the last few complete seconds of windows; 0 once the
     *                                 workflow has ended everywhere, and in a final report
     */
    public record StepReport(String step, long requests, long successes, long failed, Map<String, Long> failures,
            Map<String, Long> notSent, long bytesSent, long bytesReceived, Map<String, StepWindow.CheckTally> checks,
            double requestsPerSecond, double currentRequestsPerSecond, LatencySummary latencyMs) {
    }

    /** One window's figures, as if one engine had run the whole workflow. */
    public static WorkflowReport of(WorkflowWindow window) {
        return of(window.workflow(), null, List.of(window), Map.of());
    }

    /**
     * A workflow's figures from the parts that ran it side by side.
     *
     * @param parts   each part's statistics over its own running time (a datacenter's totals)
     * @param current each step's current rate, requests per second; a step not named has 0
     */
    public static WorkflowReport of(String workflow, WorkflowState state, List<WorkflowWindow> parts,
            Map<String, Double> current) {
        WorkflowWindow merged = WorkflowAccumulator.concurrent(workflow, parts);
        Map<String, Double> rates = rates(parts);
        double seconds = parts.stream().mapToDouble(WorkflowWindow::seconds).max().orElse(0);
        List<StepReport> steps = merged.steps().stream().map(step -> new StepReport(step.step(), step.requests(),
                step.successes(), step.failed(), step.failures(), step.notSent(), step.bytesSent(),
                step.bytesReceived(), step.checks(), rates.getOrDefault(step.step(), 0.0),
                current.getOrDefault(step.step(), 0.0), LatencySummary.of(step.latency()))).toList();
        return new WorkflowReport(workflow, state, seconds, merged.iterations(), merged.droppedIterations(), steps);
    }

    /**
     * Requests per second per step of parts that ran side by side: each part's requests over its
     * own time, added up. A part that covers no time (an empty share) adds nothing.
     */
    public static Map<String, Double> rates(List<WorkflowWindow> parts) {
        Map<String, Double> rates = new LinkedHashMap<>();
        for (WorkflowWindow part : parts) {
            double seconds = part.seconds();
            for (StepWindow step : part.steps()) {
                rates.merge(step.step(), seconds > 0 ? step.requests() / seconds : 0.0, Double::sum);
            }
        }
        return rates;
    }
}
