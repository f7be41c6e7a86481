package io.stampede.cli.gate;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.stampede.cli.ExitCodes;

/** Tables and report files from a job as the gate shows it (docs/reports.md). */
public final class Reports {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Reports() {
    }

    /**
     * A job's series for the HTML report's charts: every datacenter merged, and each datacenter's
     * as {@code {datacenter, series}} at the same resolution.
     */
    public record Series(JsonNode all, List<JsonNode> byDatacenter) {
        /** No series (the gate could not give it): the report says its charts are missing. */
        public static final Series NONE = new Series(JSON.createObjectNode(), List.of());

        /** How long to wait for an ended job's series to settle (a datacenter's last windows come after its totals). */
        static final Duration SETTLING = Duration.ofSeconds(10);

        /** The job's series from the gate, once final; NONE (and a notice) when it cannot give them. */
        static Series of(GateClient client, JsonNode job, PrintWriter err) {
            String id = job.path("id").asText();
            long deadline = System.nanoTime() + SETTLING.toNanos();
            GateClient.Answer all = client.series(id, "all", 1000);
            while (all.ok() && !all.body().path("settled").asBoolean(true) && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
                all = client.series(id, "all", 1000);
            }
            if (!all.ok()) {
                err.println("stampede: the report has no charts: " + all.problem());
                return NONE;
            }
            if (!all.body().path("note").asText().isEmpty()) {
                err.println("stampede: the report's charts: " + all.body().path("note").asText());
            }
            long resolution = all.body().path("series").path(0).path("resolutionMillis").asLong(1000);
            List<JsonNode> byDatacenter = new ArrayList<>();
            for (JsonNode dc : all.body().path("datacenters")) {
                GateClient.Answer one = client.series(id, dc.asText(), resolution);
                if (one.ok()) {
                    ObjectNode entry = JSON.createObjectNode();
                    entry.put("datacenter", dc.asText());
                    entry.set("series", one.body().path("series"));
                    byDatacenter.add(entry);
                }
            }
            return new Series(all.body(), byDatacenter);
        }
    }

    /** The final table: a line per workflow and step. */
    public static void printTable(JsonNode job, PrintWriter out) {
        String name = job.path("name").asText();
        out.printf("%njob %s%s: %s%n", job.path("id").asText(), name.isEmpty() ? "" : " (" + name + ")",
                job.path("status").asText());
        job.path("datacenters").fields().forEachRemaining(dc ->
                out.printf("  %-10s %s%n", dc.getKey(), dc.getValue().path("status").asText()));
        JsonNode routing = job.path("routing");
        if (routing.isObject()) {
            out.printf("  routing: %s%n", routingSummary(routing));
        }
        job.path("errors").fields().forEachRemaining(error ->
                out.printf("  error %s: %s%n", error.getKey(), error.getValue().asText()));
        JsonNode unaccounted = job.path("unaccounted");
        if (!unaccounted.isMissingNode() && !unaccounted.isNull()) {
            List<String> workers = new ArrayList<>();
            unaccounted.path("workers").forEach(worker -> workers.add(worker.asText()));
            out.printf("  unaccounted: at most %d requests that lost workers (%s) may have sent after their last"
                    + " reported window; the target saw between the requests below and that many more%n",
                    unaccounted.path("requestsAtMost").asLong(), String.join(", ", workers));
        }
        out.printf("  %-16s %-20s %10s %9s %8s %9s %9s %9s %9s%n", "workflow", "step", "requests", "req/s", "errors",
                "p50 ms", "p90 ms", "p99 ms", "max ms");
        for (JsonNode workflow : job.path("workflows")) {
            for (JsonNode step : workflow.path("steps")) {
                JsonNode latency = step.path("latencyMs");
                out.printf(Locale.ROOT, "  %-16s %-20s %10d %9.1f %8d %9.2f %9.2f %9.2f %9.2f%n",
                        workflow.path("workflow").asText(), step.path("step").asText(), step.path("requests").asLong(),
                        step.path("requestsPerSecond").asDouble(), step.path("failed").asLong(), latency.path("p50").asDouble(),
                        latency.path("p90").asDouble(), latency.path("p99").asDouble(), latency.path("max").asDouble());
                step.path("failures").fields().forEachRemaining(failure ->
                        out.printf("      %-30s %d%n", failure.getKey(), failure.getValue().asLong()));
                step.path("notSent").fields().forEachRemaining(unsent ->
                        out.printf("      not sent: %-20s %d%n", unsent.getKey(), unsent.getValue().asLong()));
            }
            long dropped = workflow.path("droppedIterations").asLong();
            if (dropped > 0) {
                out.printf("  %-16s dropped %d iterations: due while every one of maxVus was busy%n",
                        workflow.path("workflow").asText(), dropped);
            }
        }
        printThresholds(job, out);
        out.flush();
    }

    /**
     * The routing decision in a line: the reason, then the rule (and the placement, where it
     * ranked the datacenters: not for named ones or all of them).
     */
    static String routingSummary(JsonNode routing) {
        String rule = routing.path("rule").asText();
        String placement = rule.equals("NAMED") || rule.equals("ALL") ? ""
                : routing.path("placement").asText() + " placement, ";
        return routing.path("reason").asText() + " (" + placement + "rule "
                + rule.toLowerCase(Locale.ROOT).replace('_', ' ') + ")";
    }

    /**
     * Prints the final table, the thresholds' verdicts and any failed checks; returns the exit
     * code for how the job ended.
     */
    public static int printOutcome(JsonNode job, PrintWriter out) {
        printTable(job, out);
        List<String> failedChecks = failedChecks(job);
        if (!failedChecks.isEmpty()) {
            out.println("  failed checks: " + String.join(", ", failedChecks));
        }
        int code = ExitCodes.forJob(job.path("status").asText(), !failedChecks.isEmpty(), crossed(job, "JOB"),
                crossed(job, "DEFAULT"), job.path("errors").has("thresholds"));
        if (code == ExitCodes.THRESHOLDS_FAILED) {
            out.println("  thresholds crossed: exit code " + ExitCodes.THRESHOLDS_FAILED);
        }
        out.flush();
        return code;
    }

    /** Whether a threshold of this origin (JOB or DEFAULT) failed. */
    private static boolean crossed(JsonNode job, String origin) {
        for (JsonNode verdict : job.path("thresholds")) {
            if (verdict.path("status").asText().equals("FAILED") && verdict.path("origin").asText().equals(origin)) {
                return true;
            }
        }
        return false;
    }

    /** The thresholds' verdicts, a line each: "  PASS p99 below 300ms (job): 212.4ms". */
    static void printThresholds(JsonNode job, PrintWriter out) {
        if (job.path("thresholds").isEmpty()) {
            return;
        }
        out.println("  thresholds:");
        for (JsonNode verdict : job.path("thresholds")) {
            String mark = switch (verdict.path("status").asText()) {
                case "PASSED" -> "PASS";
                case "FAILED" -> "FAIL";
                default -> "----";
            };
            out.printf("    %s %s: %s%s%n", mark, verdict.path("description").asText(),
                    verdict.path("valueText").asText(), verdict.path("origin").asText().equals("DEFAULT")
                            ? "  (the gate's default)" : "");
        }
    }

    /** Checks that failed at least once, as "workflow/step/check". */
    public static List<String> failedChecks(JsonNode job) {
        List<String> failed = new ArrayList<>();
        for (JsonNode workflow : job.path("workflows")) {
            for (JsonNode step : workflow.path("steps")) {
                step.path("checks").fields().forEachRemaining(check -> {
                    if (check.getValue().path("failed").asLong() > 0) {
                        failed.add(workflow.path("workflow").asText() + "/" + step.path("step").asText() + "/"
                                + check.getKey());
                    }
                });
            }
        }
        return failed;
    }

    /**
     * What stops a report being written to {@code file}, checked before a job is submitted: an
     * extension other than .json, .csv or .html, or a folder that does not exist or cannot be
     * written to. Empty when it can be written.
     */
    public static Optional<String> problem(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!name.endsWith(".json") && !name.endsWith(".csv") && !name.endsWith(".html")) {
            return Optional.of("a report file must end in .json, .csv or .html");
        }
        return unwritable(file);
    }

    /** What stops {@code file} being written, if anything: a missing or read-only folder, a folder in its place. */
    public static Optional<String> unwritable(Path file) {
        Path folder = file.toAbsolutePath().getParent();
        if (folder == null || !Files.isDirectory(folder)) {
            return Optional.of("no such folder: " + folder);
        }
        if (!Files.isWritable(folder) || Files.isDirectory(file) || Files.exists(file) && !Files.isWritable(file)) {
            return Optional.of("cannot write " + file.toAbsolutePath());
        }
        return Optional.empty();
    }

    /** Writes the report; the format follows the file's extension (.json, .csv or .html). */
    public static void write(Path file, JsonNode job, Series series) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".json")) {
            ObjectNode report = JSON.createObjectNode();
            report.put("reportVersion", 1);
            report.setAll((ObjectNode) job.deepCopy());
            Files.writeString(file, JSON.writeValueAsString(report), StandardCharsets.UTF_8);
        } else if (name.endsWith(".csv")) {
            Files.writeString(file, csv(job), StandardCharsets.UTF_8);
        } else if (name.endsWith(".html")) {
            Files.writeString(file, HtmlReport.render(job, series.all(), series.byDatacenter()), StandardCharsets.UTF_8);
        } else {
            throw new IllegalArgumentException("a report file must end in .json, .csv or .html: " + file);
        }
    }

    static String csv(JsonNode job) {
        StringBuilder out = new StringBuilder(
                "scope,workflow,step,requests,successes,failed,requests_per_second,p50_ms,p75_ms,p90_ms,p95_ms,p99_ms,"
                        + "p999_ms,max_ms,mean_ms,not_sent,dropped_iterations\n");
        appendRows(out, "all", job.path("workflows"));
        job.path("datacenters").fields().forEachRemaining(dc -> appendRows(out, dc.getKey(), dc.getValue().path("statistics")));
        return out.toString();
    }

    private static void appendRows(StringBuilder out, String scope, JsonNode workflows) {
        for (JsonNode workflow : workflows) {
            for (JsonNode step : workflow.path("steps")) {
                JsonNode l = step.path("latencyMs");
                out.append(String.join(",", quote(scope), quote(workflow.path("workflow").asText()),
                        quote(step.path("step").asText()), step.path("requests").asText(),
                        step.path("successes").asText(), step.path("failed").asText(),
                        format(step.path("requestsPerSecond").asDouble()), format(l.path("p50").asDouble()),
                        format(l.path("p75").asDouble()), format(l.path("p90").asDouble()), format(l.path("p95").asDouble()),
                        format(l.path("p99").asDouble()), format(l.path("p999").asDouble()), format(l.path("max").asDouble()),
                        format(l.path("mean").asDouble()), Long.toString(notSent(step)),
                        workflow.path("droppedIterations").asText("0"))).append('\n');
            }
        }
    }

    /** Requests of a step that were never sent, whatever the reason. */
    static long notSent(JsonNode step) {
        long total = 0;
        for (JsonNode count : step.path("notSent")) {
            total += count.asLong();
        }
        return total;
    }

    private static String format(double value) {
        return String.format(Locale.ROOT, "%.3f", value);
    }

    private static String quote(String value) {
        return value.contains(",") || value.contains("\"") ? "\"" + value.replace("\"", "\"\"") + "\"" : value;
    }
}
