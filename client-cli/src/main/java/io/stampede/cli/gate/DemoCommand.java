package io.stampede.cli.gate;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

import io.stampede.cli.ExitCodes;
import io.stampede.cli.local.Distribution;
import io.stampede.cli.local.LocalCluster;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "See Stampede work: start a local cluster (unless one runs here), a demo shop API on loopback,"
                + " and run an example job against it with live progress and a report. The cluster stays up.")
public final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--report", paramLabel = "FILE", defaultValue = ".stampede/demo-report.html",
            description = "Where to write the report (default: ${DEFAULT-VALUE}).")
    Path report;

    /**
     * The demo's gate and managers compile with the JIT's first tier only: on a small machine its
     * seven nodes compiling at once during the first job leave the workers and the demo API short of
     * CPU. Their work is light; the workers keep the full JIT, for the load they generate.
     */
    static final List<String> CONTROL_PLANE_JVM = List.of("-XX:TieredStopAtLevel=1");

    static final String JOB = """
            # The demo job: 20 users log in, then browsing runs at 50 iterations/s, ramping to 150/s.
            name: stampede demo
            timeout: 2m
            variables:
              baseUrl: %s
            workflows:
              - name: login
                vus: 20
                iterations: 1
                exports: [token]
                steps:
                  - name: sign in
                    request:
                      method: POST
                      url: "{{baseUrl}}/login"
                      body: {json: {user: "user-{{vu}}"}}
                    checks: [{status: 200}, {jsonPath: $.token}]
                    extract: [{var: token, jsonPath: $.token}]
              - name: browse
                dependsOn: [login]
                rate: 50
                stages:
                  - {duration: 5s, target: 150}
                  - {duration: 10s, target: 150}
                maxVus: 100
                steps:
                  - name: list items
                    request:
                      url: "{{baseUrl}}/items"
                      headers: {Authorization: "Bearer {{token}}"}
                    checks: [{status: 200}, {latencyUnder: 1s}]
            # Pass/fail criteria over every datacenter's merged figures: a crossed one exits 99.
            thresholds:
              - {metric: p99, below: 1s, workflow: browse}
              - {metric: errorRate, below: 1%%}
            """;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        // The demo keeps its files in .stampede/ (its report by default): it makes the folder, the user's own not.
        Files.createDirectories(Path.of(".stampede"));
        Optional<String> problem = Reports.problem(report);
        if (problem.isPresent()) {
            spec.commandLine().getErr().println("stampede demo: --report " + report + ": " + problem.get());
            return ExitCodes.USAGE;
        }
        LocalCluster cluster = new LocalCluster(Path.of(".stampede/local"), out, Clock.systemUTC());
        if (cluster.running().isEmpty()) {
            out.println("Starting a local cluster (Kafka, 1 gate, 2 datacenters x (1 manager + 2 workers)) ...");
            try {
                cluster.up(new LocalCluster.Layout(2, 1, 2, 1, 3, Duration.ofSeconds(120), List.of(), Map.of())
                        .withControlPlaneJvmOptions(CONTROL_PLANE_JVM), Distribution.locate());
            } catch (LocalCluster.NodeFailedException e) {
                spec.commandLine().getErr().println("stampede demo: " + e.getMessage());
                return ExitCodes.FAILURE;
            }
        } else {
            out.println("Using the local cluster already running here.");
        }
        GateClient gate = GateClient.of(null);
        awaitDatacenters(gate, out);
        try (DemoTarget target = new DemoTarget()) {
            Path job = Path.of(".stampede/demo-job.yaml");
            Files.createDirectories(job.getParent());
            Files.writeString(job, JOB.formatted(target.baseUrl()), StandardCharsets.UTF_8);
            out.println("Demo shop API at " + target.baseUrl() + "; the job is in " + job + ".");
            out.flush();
            int exit;
            var planned = JobCommands.planned(job);
            try {
                exit = JobCommands.follow(gate, JobCommands.submit(gate, job, spec), out,
                        spec.commandLine().getErr(), List.of(report), null, false, true, planned);
            } catch (JobCommands.Refused refused) {
                return refused.exitCode;
            }
            out.println();
            out.println("The demo API served " + target.requests() + " requests. The cluster is still running:"
                    + " `bin/stampede local status`, gate and its dashboard at " + gate.base() + "/, stop it with `bin/stampede local down`.");
            return exit;
        }
    }

    /** Managers report to the gate every two seconds; wait until the gate has heard from every datacenter. */
    private static void awaitDatacenters(GateClient gate, PrintWriter out) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                GateClient.Answer answer = gate.send("/api/v1/datacenters");
                long healthy = 0;
                if (answer.ok()) {
                    for (var dc : answer.body()) {
                        healthy += dc.path("healthy").asBoolean() ? 1 : 0;
                    }
                }
                if (healthy >= 2) {
                    return;
                }
            } catch (GateClient.UnreachableException e) {
                // Not answering yet.
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        out.println("the gate has not heard from both datacenters yet; trying anyway");
    }
}
