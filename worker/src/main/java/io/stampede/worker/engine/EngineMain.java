package io.stampede.worker.engine;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.stampede.model.job.InvalidJobException;
import io.stampede.model.job.JobSpec;
import io.stampede.model.job.JobSpecParser;
import io.stampede.model.job.WorkflowSpec;
import io.stampede.model.stats.LatencySummary;
import io.stampede.model.stats.StepWindow;
import io.stampede.model.stats.WorkflowWindow;

/**
 * Runs a job on this machine with the engine alone, no cluster: each workflow starts when the
 * ones it depends on have completed, with their exported values. Prints a progress line per
 * workflow per second and a table at the end, and one {@code RESULT} line per workflow for
 * scripts (requests, seconds, process CPU seconds while it ran).
 *
 * <pre>java -cp 'worker/target/quarkus-app/lib/main/*:worker/target/quarkus-app/app/*' \
 *     io.stampede.worker.engine.EngineMain job.yaml</pre>
 */
public final class EngineMain {

    private EngineMain() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1 || args[0].startsWith("-")) {
            System.err.println("usage: EngineMain <job.yaml|job.json>");
            System.exit(2);
        }
        JobSpec job;
        try {
            job = JobSpecParser.parse(Files.readString(Path.of(args[0]), StandardCharsets.UTF_8));
        } catch (InvalidJobException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        try (LoadEngine engine = LoadEngine.standalone()) {
            System.out.printf("engine: %d lanes, %s transport%n", Runtime.getRuntime().availableProcessors(),
                    engine.nativeTransport() ? "native epoll" : "NIO");
            Map<String, WorkflowResult> results = run(engine, job, System.out);
            for (WorkflowResult result : results.values()) {
                printTable(result, System.out);
            }
        }
    }

    /** Runs every workflow of the job, each after its dependencies, and returns their results in order. */
    static Map<String, WorkflowResult> run(LoadEngine engine, JobSpec job, PrintStream out) {
        Map<String, CompletableFuture<WorkflowResult>> runs = new LinkedHashMap<>();
        for (WorkflowSpec workflow : job.workflowsInDependencyOrder()) {
            List<CompletableFuture<WorkflowResult>> dependencies = workflow.dependsOn().stream().map(runs::get).toList();
            CompletableFuture<WorkflowResult> run = CompletableFuture
                    .allOf(dependencies.toArray(CompletableFuture[]::new))
                    .thenCompose(done -> {
                        Map<String, String> variables = new HashMap<>(job.variables());
                        dependencies.forEach(dependency -> variables.putAll(dependency.join().exports()));
                        return start(engine, workflow, variables, out);
                    });
            runs.put(workflow.name(), run);
        }
        Map<String, WorkflowResult> results = new LinkedHashMap<>();
        runs.forEach((name, run) -> results.put(name, run.join()));
        return results;
    }

    private static CompletableFuture<WorkflowResult> start(LoadEngine engine, WorkflowSpec workflow,
            Map<String, String> variables, PrintStream out) {
        long cpuBefore = processCpuNanos();
        long began = System.nanoTime();
        long[] elapsedWindows = {0};
        WorkflowRun run = engine.start(WorkflowShare.whole(workflow, variables), window -> {
            elapsedWindows[0]++;
            printProgress(window, elapsedWindows[0], out);
        });
        return run.completion().thenApply(result -> {
            double seconds = (System.nanoTime() - began) / 1e9;
            double cpu = (processCpuNanos() - cpuBefore) / 1e9;
            long requests = result.totals().steps().stream().mapToLong(StepWindow::requests).sum();
            out.printf("RESULT workflow=%s requests=%d seconds=%.3f cpu_seconds=%.3f%n", workflow.name(), requests,
                    seconds, cpu);
            return result;
        });
    }

    private static void printProgress(WorkflowWindow window, long index, PrintStream out) {
        long requests = 0;
        long failed = 0;
        double p99 = 0;
        for (StepWindow step : window.steps()) {
            requests += step.requests();
            failed += step.failed();
            p99 = Math.max(p99, LatencySummary.of(step.latency()).p99());
        }
        double seconds = Math.max(0.001, window.seconds());
        out.printf("[%4ds] %-20s %9.0f req/s  p99 %8.2f ms  errors %6d  vus %d%s%n", index, window.workflow(),
                requests / seconds, p99, failed, window.activeVus(),
                window.droppedIterations() > 0 ? "  dropped " + window.droppedIterations() : "");
    }

    static void printTable(WorkflowResult result, PrintStream out) {
        WorkflowWindow totals = result.totals();
        out.printf("%n%s: %s, %d iterations in %.1f s%s%n", result.workflow(), result.outcome().name().toLowerCase(),
                totals.iterations(), totals.seconds(),
                totals.droppedIterations() > 0 ? ", " + totals.droppedIterations() + " dropped" : "");
        out.printf("  %-24s %10s %10s %8s %9s %9s %9s %9s %9s%n", "step", "requests", "req/s", "errors",
                "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms");
        for (StepWindow step : totals.steps()) {
            LatencySummary latency = LatencySummary.of(step.latency());
            out.printf("  %-24s %10d %10.0f %8d %9.2f %9.2f %9.2f %9.2f %9.2f%n", step.step(), step.requests(),
                    step.requests() / Math.max(0.001, totals.seconds()), step.failed(), latency.p50(), latency.p90(),
                    latency.p99(), latency.p999(), latency.max());
            step.failures().forEach((reason, count) -> out.printf("      %-20s %d%n", reason, count));
        }
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return 0;
    }
}
