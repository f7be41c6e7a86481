package io.stampede.model.job;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A workflow: virtual users repeating a sequence of HTTP steps under a load model.
 *
 * @param name         unique within the job
 * @param load         how much load, and for how long
 * @param dependsOn    workflows that must complete before this one starts
 * @param exports      variables (extracted by this workflow's steps) handed to workflows that depend on it
 * @param http         connection settings
 * @param gracefulStop how long in-flight requests may finish when the workflow ends
 * @param steps        run in order in every iteration
 */
public record WorkflowSpec(String name, LoadModel load, List<String> dependsOn, List<String> exports,
        HttpOptions http, Duration gracefulStop, List<StepSpec> steps) {

    /** The grace period when none is written. */
    public static final Duration DEFAULT_GRACEFUL_STOP = Duration.ofSeconds(5);

    public WorkflowSpec {
        dependsOn = List.copyOf(dependsOn);
        exports = List.copyOf(exports);
        steps = List.copyOf(steps);
    }

    /** How load is generated. */
    public sealed interface LoadModel permits Closed, Open {
        /** How long the workflow runs, if bounded by time. */
        Optional<Duration> duration();
    }

    /**
     * Closed model: {@code vus} virtual users each loop over the steps until {@code duration} has
     * passed or each has run {@code iterations} iterations, whichever comes first.
     */
    public record Closed(int vus, Optional<Duration> duration, Optional<Long> iterations) implements LoadModel {
    }

    /**
     * Open model: iterations start on a schedule whatever the responses do. The rate starts at
     * {@code rate} per second and moves linearly to each stage's target over the stage's duration
     * (a workflow written with a plain {@code duration} has one stage holding {@code rate}). At
     * most {@code maxVus} iterations run at once; an iteration due while all are busy is dropped
     * and counted.
     */
    public record Open(double rate, List<Stage> stages, int maxVus) implements LoadModel {
        public Open {
            stages = List.copyOf(stages);
        }

        /** The time the whole schedule covers. */
        @Override
        public Optional<Duration> duration() {
            return Optional.of(stages.stream().map(Stage::duration).reduce(Duration.ZERO, Duration::plus));
        }

        /**
         * The schedule's rate {@code seconds} after the workflow started, iterations a second: on
         * the line from the previous stage's target (or {@code rate}) to this stage's; 0 outside
         * the schedule.
         */
        public double rateAt(double seconds) {
            if (seconds < 0) {
                return 0;
            }
            double from = rate;
            double stageStart = 0;
            for (Stage stage : stages) {
                double length = stage.duration().toNanos() / 1e9;
                if (seconds <= stageStart + length) {
                    return length == 0 ? stage.target() : from + (stage.target() - from) * (seconds - stageStart) / length;
                }
                from = stage.target();
                stageStart += length;
            }
            return 0;
        }
    }

    /** A ramp: move to {@code target} iterations per second over {@code duration}. */
    public record Stage(Duration duration, double target) {
    }

    /** HTTP protocol versions a workflow can speak. */
    public enum HttpVersion {
        HTTP_1_1, HTTP_2
    }

    /**
     * Connection settings.
     *
     * @param version     HTTP/1.1 (default) or HTTP/2 (h2c by prior knowledge on http, ALPN on https)
     * @param insecureTls trust any certificate and host name; for test targets only
     * @param connections connections per host and worker event loop; empty: one per virtual user
     */
    public record HttpOptions(HttpVersion version, boolean insecureTls, Optional<Integer> connections) {
        public static final HttpOptions DEFAULT = new HttpOptions(HttpVersion.HTTP_1_1, false, Optional.empty());
    }
}
