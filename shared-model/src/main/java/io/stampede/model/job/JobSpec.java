package io.stampede.model.job;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A load test as the user described it: workflows of HTTP steps, run from one or more datacenters.
 * Built only by {@link JobSpecParser}, which guarantees every rule of docs/job-spec.md holds.
 *
 * @param name        what the job is called in reports
 * @param datacenters where it runs
 * @param minDatacenters how many of its datacenters must complete their part for the job to end
 *                    PARTIAL rather than FAILED when one is lost; empty for all of them
 * @param timeout     the whole job's time limit, if any
 * @param variables   values every template may use by name
 * @param workflows   in the order written; {@link #workflowsInDependencyOrder()} orders them for running
 * @param placement   how the gate ranks datacenters when it chooses them
 * @param thresholds  the job's pass/fail criteria, in the order written
 */
public record JobSpec(String name, Datacenters datacenters, Optional<Integer> minDatacenters,
        Optional<Duration> timeout, Map<String, String> variables, List<WorkflowSpec> workflows,
        Placement placement, List<Threshold> thresholds) {

    public JobSpec {
        variables = Map.copyOf(variables);
        workflows = List.copyOf(workflows);
        placement = placement == null ? Placement.DEFAULT : placement;
        thresholds = thresholds == null ? List.of() : List.copyOf(thresholds);
    }

    /**
     * How the gate ranks datacenters when it chooses them (docs/routing.md).
     *
     * @param strategy LATENCY (the default): the lowest routing score; CAPACITY: the most free
     *                 cores; SPREAD: like LATENCY, and each workflow is split evenly over the
     *                 chosen datacenters rather than by their free cores
     * @param prefer   datacenters whose routing score counts ×0.9
     */
    public record Placement(Strategy strategy, List<String> prefer) {
        public static final Placement DEFAULT = new Placement(Strategy.LATENCY, List.of());

        public Placement {
            prefer = List.copyOf(prefer);
        }
    }

    public enum Strategy {
        LATENCY, CAPACITY, SPREAD
    }

    /** Which datacenters run the job. */
    public sealed interface Datacenters permits AllHealthy, Count, Named {
    }

    /** Every healthy datacenter (the default). */
    public record AllHealthy() implements Datacenters {
    }

    /** This many datacenters, chosen by the gate. */
    public record Count(int count) implements Datacenters {
    }

    /** Exactly these datacenters. */
    public record Named(List<String> names) implements Datacenters {
        public Named {
            names = List.copyOf(names);
        }
    }

    /** The workflow with this name. */
    public Optional<WorkflowSpec> workflow(String workflowName) {
        return workflows.stream().filter(workflow -> workflow.name().equals(workflowName)).findFirst();
    }

    /**
     * The workflows with every workflow after those it depends on; workflows that do not depend on
     * each other keep the order in which they were written.
     */
    public List<WorkflowSpec> workflowsInDependencyOrder() {
        return DependencyOrder.sort(workflows);
    }
}
