package io.stampede.model.job;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * A pass/fail criterion over a job's merged statistics, such as "p99 below 300 ms" or "errorRate
 * below 1 %": over the whole job, one workflow, or one step (docs/job-spec.md#thresholds).
 *
 * @param workflow    the workflow it is about; empty for the whole job
 * @param step        the step it is about (of {@code workflow}); empty for every step in scope
 * @param metric      what is measured
 * @param bound       whether the value must stay below or above {@code limit}
 * @param limit       in the metric's unit: milliseconds, a fraction (0.01 for 1 %), requests a
 *                    second or iterations
 * @param abortOnFail stop the job as soon as the threshold is crossed while it runs
 * @param delay       with {@code abortOnFail}: how long after the job starts running a crossing
 *                    may stop it (the first seconds' figures are few)
 * @param origin      who set it: the job, or the gate's default when the job sets none
 */
public record Threshold(Optional<String> workflow, Optional<String> step, Metric metric, Bound bound, double limit,
        boolean abortOnFail, Duration delay, Origin origin) {

    /** What a threshold measures, with the name a job writes. */
    public enum Metric {
        P50("p50", Unit.MILLISECONDS), P90("p90", Unit.MILLISECONDS), P95("p95", Unit.MILLISECONDS),
        P99("p99", Unit.MILLISECONDS), P999("p999", Unit.MILLISECONDS), MAX("max", Unit.MILLISECONDS),
        MEAN("mean", Unit.MILLISECONDS),
        /** Requests that failed or were never sent, over the requests attempted. */
        ERROR_RATE("errorRate", Unit.FRACTION),
        /** Check evaluations that failed, over all check evaluations. */
        FAILED_CHECKS_RATE("failedChecksRate", Unit.FRACTION),
        REQUESTS_PER_SECOND("requestsPerSecond", Unit.PER_SECOND),
        /** Open-model iterations that were due while every virtual user was busy. */
        DROPPED_ITERATIONS("droppedIterations", Unit.COUNT);

        private final String written;
        private final Unit unit;

        Metric(String written, Unit unit) {
            this.written = written;
            this.unit = unit;
        }

        /** The name as a job writes it. */
        public String written() {
            return written;
        }

        public Unit unit() {
            return unit;
        }

        public boolean latency() {
            return unit == Unit.MILLISECONDS;
        }

        /** The metric a job names, if any. */
        public static Optional<Metric> named(String name) {
            return Arrays.stream(values()).filter(metric -> metric.written.equals(name)).findFirst();
        }
    }

    /** The unit of a metric's values. */
    public enum Unit {
        MILLISECONDS, FRACTION, PER_SECOND, COUNT
    }

    public enum Bound {
        BELOW, ABOVE
    }

    public enum Origin {
        /** Written in the job. */
        JOB,
        /** The gate's default, for a job that sets no threshold, or that every request failing fails. */
        DEFAULT
    }

    public Threshold {
        workflow = workflow == null ? Optional.empty() : workflow;
        step = step == null ? Optional.empty() : step;
        delay = delay == null ? Duration.ZERO : delay;
        origin = origin == null ? Origin.JOB : origin;
    }

    /** Whether {@code value} passes. */
    public boolean passes(double value) {
        return bound == Bound.BELOW ? value < limit : value > limit;
    }

    /** Where it applies, as "job", "browse" or "browse/home". */
    public String scope() {
        return workflow.map(name -> step.map(stepName -> name + "/" + stepName).orElse(name)).orElse("job");
    }

    /** The limit as a person writes it: "300ms", "1%", "100/s", "0". */
    public String limitText() {
        return format(metric.unit, limit);
    }

    /** "p99 below 300ms (browse/home)". */
    public String describe() {
        return metric.written + " " + bound.name().toLowerCase(Locale.ROOT) + " " + limitText() + " (" + scope() + ")";
    }

    /** A value of {@code unit} as a person reads it. */
    public static String format(Unit unit, double value) {
        return switch (unit) {
            case MILLISECONDS -> trim(value) + "ms";
            case FRACTION -> trim(value * 100) + "%";
            case PER_SECOND -> trim(value) + "/s";
            case COUNT -> trim(value);
        };
    }

    private static String trim(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        String text = String.format(Locale.ROOT, "%.3f", value);
        return text.replaceAll("0+$", "").replaceAll("\\.$", "");
    }
}
