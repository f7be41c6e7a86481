package io.stampede.model.stats;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.HdrHistogram.Histogram;

import io.stampede.model.job.Threshold;

/**
 * Evaluates thresholds on a job's merged statistics: latencies from the merged histograms of every
 * step in scope (exact across workers and datacenters, never percentiles of percentiles), rates
 * and counts from the merged counts. Pure: the same statistics give the same verdicts on every
 * gate and in every report.
 */
public final class Thresholds {

    /** A threshold's verdict. */
    public enum Status {
        PASSED, FAILED,
        /** Nothing in scope to measure yet (no request, no check): neither passed nor failed. */
        NO_DATA
    }

    /**
     * One threshold and how it stands.
     *
     * @param value     in the metric's unit; null with NO_DATA
     * @param valueText the value as a person reads it ("312.5ms", "4.2%")
     */
    public record Verdict(String metric, String scope, String bound, String limit, double limitValue, Double value,
            String valueText, Status status, boolean abortOnFail, Threshold.Origin origin, String description) {

        public boolean failed() {
            return status == Status.FAILED;
        }
    }

    private Thresholds() {
    }

    /**
     * The verdict of each threshold.
     *
     * @param totals per workflow, every part merged (with histograms)
     * @param rates  per workflow, each step's requests per second (as {@link WorkflowReport#rates})
     */
    public static List<Verdict> evaluate(List<Threshold> thresholds, Map<String, WorkflowWindow> totals,
            Map<String, Map<String, Double>> rates) {
        List<Verdict> verdicts = new ArrayList<>();
        for (Threshold threshold : thresholds) {
            Optional<Double> value = measure(threshold, totals, rates);
            Status status = value.isEmpty() ? Status.NO_DATA
                    : threshold.passes(value.get()) ? Status.PASSED : Status.FAILED;
            verdicts.add(new Verdict(threshold.metric().written(), threshold.scope(),
                    threshold.bound().name().toLowerCase(java.util.Locale.ROOT), threshold.limitText(),
                    threshold.limit(), value.orElse(null),
                    value.map(measured -> Threshold.format(threshold.metric().unit(), measured)).orElse("no data"),
                    status, threshold.abortOnFail(), threshold.origin(), threshold.describe()));
        }
        return verdicts;
    }

    /** The metric's value over the threshold's scope; empty when there is nothing to measure. */
    static Optional<Double> measure(Threshold threshold, Map<String, WorkflowWindow> totals,
            Map<String, Map<String, Double>> rates) {
        List<WorkflowWindow> workflows = threshold.workflow().map(name -> totals.containsKey(name)
                ? List.of(totals.get(name)) : List.<WorkflowWindow>of()).orElseGet(() -> List.copyOf(totals.values()));
        List<StepWindow> steps = new ArrayList<>();
        for (WorkflowWindow workflow : workflows) {
            workflow.steps().stream().filter(step -> threshold.step().map(step.step()::equals).orElse(true))
                    .forEach(steps::add);
        }
        return switch (threshold.metric()) {
            case P50, P90, P95, P99, P999, MAX, MEAN -> latency(threshold.metric(), steps);
            case ERROR_RATE -> {
                long attempted = 0;
                long bad = 0;
                for (StepWindow step : steps) {
                    attempted += step.requests() + step.unsent();
                    bad += step.failed() + step.unsent();
                }
                yield attempted == 0 ? Optional.empty() : Optional.of((double) bad / attempted);
            }
            case FAILED_CHECKS_RATE -> {
                long evaluated = 0;
                long failed = 0;
                for (StepWindow step : steps) {
                    for (StepWindow.CheckTally tally : step.checks().values()) {
                        evaluated += tally.passed() + tally.failed();
                        failed += tally.failed();
                    }
                }
                yield evaluated == 0 ? Optional.empty() : Optional.of((double) failed / evaluated);
            }
            case REQUESTS_PER_SECOND -> requestsPerSecond(threshold, workflows, rates);
            case DROPPED_ITERATIONS -> workflows.isEmpty() ? Optional.empty()
                    : Optional.of((double) workflows.stream().mapToLong(WorkflowWindow::droppedIterations).sum());
        };
    }

    private static Optional<Double> latency(Threshold.Metric metric, List<StepWindow> steps) {
        Histogram merged = LatencyHistograms.create();
        steps.forEach(step -> merged.add(LatencyHistograms.decode(step.latency())));
        if (merged.getTotalCount() == 0) {
            return Optional.empty();
        }
        LatencySummary summary = LatencySummary.of(merged);
        return Optional.of(switch (metric) {
            case P50 -> summary.p50();
            case P90 -> summary.p90();
            case P95 -> summary.p95();
            case P99 -> summary.p99();
            case P999 -> summary.p999();
            case MAX -> summary.max();
            case MEAN -> summary.mean();
            default -> throw new IllegalArgumentException(metric + " is not a latency");
        });
    }

    /**
     * A step's rate, or a workflow's (its steps' rates added: they run side by side); for the whole
     * job, every request over the time from the first window's start to the last one's end
     * (workflows may run one after another).
     */
    private static Optional<Double> requestsPerSecond(Threshold threshold, List<WorkflowWindow> workflows,
            Map<String, Map<String, Double>> rates) {
        if (workflows.isEmpty()) {
            return Optional.empty();
        }
        if (threshold.workflow().isPresent()) {
            Map<String, Double> steps = rates.getOrDefault(threshold.workflow().get(), Map.of());
            if (threshold.step().isPresent()) {
                Double rate = steps.get(threshold.step().get());
                return Optional.ofNullable(rate);
            }
            return steps.isEmpty() ? Optional.empty()
                    : Optional.of(steps.values().stream().mapToDouble(Double::doubleValue).sum());
        }
        long start = Long.MAX_VALUE;
        long end = Long.MIN_VALUE;
        long requests = 0;
        for (WorkflowWindow workflow : workflows) {
            if (workflow.startMillis() == 0 && workflow.endMillis() == 0) {
                continue;
            }
            start = Math.min(start, workflow.startMillis());
            end = Math.max(end, workflow.endMillis());
            requests += workflow.steps().stream().mapToLong(StepWindow::requests).sum();
        }
        return end <= start ? Optional.empty() : Optional.of(requests / ((end - start) / 1000.0));
    }

    /** Whether any verdict failed. */
    public static boolean anyFailed(List<Verdict> verdicts) {
        return verdicts.stream().anyMatch(Verdict::failed);
    }
}
