package io.stampede.worker.engine;

import java.util.List;

import io.stampede.model.job.WorkflowSpec.Stage;

/**
 * When the open model starts each iteration. The rate starts at {@code initialRate} and moves
 * linearly to each stage's target over the stage's duration; iteration {@code k} (from 0) starts
 * at the time {@code t} where the number of arrivals so far, the integral of the rate from 0 to
 * {@code t}, reaches {@code k}. Pure: times are nanoseconds from the start of the run.
 */
final class ArrivalSchedule {

    private final double initialRate;
    private final List<Stage> stages;
    private final double factor;
    private int stage;
    private double stageStartNanos;
    private double arrivalsBeforeStage;
    private long next;

    /**
     * @param factor this worker's share of the rate (1 for the whole workflow)
     */
    ArrivalSchedule(double initialRate, List<Stage> stages, double factor) {
        this.initialRate = initialRate;
        this.stages = List.copyOf(stages);
        this.factor = factor;
    }

    /** Nanoseconds from the start until the next iteration is due, or -1 when the schedule has ended. */
    long nextArrivalNanos() {
        double k = next;
        while (stage < stages.size()) {
            Stage current = stages.get(stage);
            double from = factor * (stage == 0 ? initialRate : stages.get(stage - 1).target());
            double to = factor * current.target();
            double length = current.duration().toNanos() / 1e9;
            double inStage = (from + to) / 2 * length;
            double wanted = k - arrivalsBeforeStage;
            if (wanted < inStage) {
                double seconds = solve(from, to, length, wanted);
                next++;
                return Math.round(stageStartNanos + seconds * 1e9);
            }
            arrivalsBeforeStage += inStage;
            stageStartNanos += current.duration().toNanos();
            stage++;
        }
        return -1;
    }

    /**
     * The time {@code τ} within a stage (seconds) at which {@code from·τ + (to−from)·τ²/(2·length)}
     * reaches {@code wanted}.
     */
    static double solve(double from, double to, double length, double wanted) {
        double slope = (to - from) / length;
        if (Math.abs(slope) < 1e-12) {
            return wanted / from;
        }
        // slope/2·τ² + from·τ − wanted = 0, the root in [0, length].
        double discriminant = from * from + 2 * slope * wanted;
        double root = (-from + Math.sqrt(Math.max(0, discriminant))) / slope;
        return Math.max(0, Math.min(length, root));
    }
}
