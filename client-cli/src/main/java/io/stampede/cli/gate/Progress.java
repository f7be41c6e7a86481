package io.stampede.cli.gate;

import java.io.PrintWriter;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The live lines of {@code run} and {@code watch}: per workflow (and per datacenter with
 * {@code --per-datacenter}) its own state, requests so far, the current rate as the gate
 * computed it from the windows' timestamps, p99, errors, and dropped iterations and requests
 * never sent when there are any.
 */
final class Progress {

    private Progress() {
    }

    /** Prints one update of the job. */
    static void print(JsonNode job, double seconds, PrintWriter out, boolean perDatacenter) {
        String jobStatus = job.path("status").asText();
        for (JsonNode workflow : job.path("workflows")) {
            line("", jobStatus, workflow, seconds, out);
        }
        if (perDatacenter) {
            job.path("datacenters").fields().forEachRemaining(dc -> {
                for (JsonNode workflow : dc.getValue().path("statistics")) {
                    line(dc.getKey() + " ", dc.getValue().path("status").asText(), workflow, seconds, out);
                }
            });
        }
        out.flush();
    }

    private static void line(String prefix, String fallbackStatus, JsonNode workflow, double seconds, PrintWriter out) {
        long requests = 0;
        long failed = 0;
        long notSent = 0;
        double rate = 0;
        double p99 = 0;
        for (JsonNode step : workflow.path("steps")) {
            requests += step.path("requests").asLong();
            failed += step.path("failed").asLong();
            rate += step.path("currentRequestsPerSecond").asDouble();
            p99 = Math.max(p99, step.path("latencyMs").path("p99").asDouble());
            notSent += Reports.notSent(step);
        }
        String state = workflow.path("state").asText(fallbackStatus);
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                "[%6.1fs] %-24s %-10s %9d req %9.1f req/s  p99 %8.2f ms  errors %d", seconds,
                prefix + workflow.path("workflow").asText(), state, requests, rate, p99, failed));
        long dropped = workflow.path("droppedIterations").asLong();
        if (dropped > 0) {
            line.append("  dropped ").append(dropped).append(" (maxVus busy)");
        }
        if (notSent > 0) {
            line.append("  not sent ").append(notSent);
        }
        out.println(line);
    }
}
