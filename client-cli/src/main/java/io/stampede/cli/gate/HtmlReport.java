package io.stampede.cli.gate;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A report in one HTML file with no outside resources: the job's tables and, per workflow, SVG
 * charts of throughput and of latency percentiles over the run. The charts come from the
 * snapshots the command saw while following the job: throughput is each snapshot's current rate,
 * which the gate computes from the windows' own timestamps; percentiles are the cumulative ones
 * at each snapshot.
 */
final class HtmlReport {

    private static final int WIDTH = 720;
    private static final int HEIGHT = 220;
    private static final String[] COLOURS = {"#1f77b4", "#ff7f0e", "#d62728"};

    private HtmlReport() {
    }

    /** Each threshold's verdict, failed ones marked. */
    private static void thresholds(JsonNode thresholds, StringBuilder html) {
        if (thresholds.isEmpty()) {
            return;
        }
        html.append("<h2>Thresholds</h2><table><tr><th>threshold</th><th>value</th><th>verdict</th></tr>");
        for (JsonNode verdict : thresholds) {
            String status = verdict.path("status").asText();
            html.append("<tr><td>").append(escape(verdict.path("description").asText()))
                    .append(verdict.path("origin").asText().equals("DEFAULT") ? " (the gate's default)" : "")
                    .append("</td><td>").append(escape(verdict.path("valueText").asText())).append("</td><td")
                    .append(status.equals("FAILED") ? " style=\"color:#c00;font-weight:bold\"" : "").append(">")
                    .append(escape(status)).append("</td></tr>");
        }
        html.append("</table>");
    }

    /** Why the job went where it went: the rule, and each candidate with its bucket, round trip and score. */
    private static void routing(JsonNode routing, StringBuilder html) {
        if (!routing.isObject()) {
            return;
        }
        html.append("<h2>Routing</h2><p>").append(escape(Reports.routingSummary(routing))).append("</p>");
        html.append("<table><tr><th>datacenter</th><th>bucket</th><th>RTT ms</th><th>RTT bound ms</th>")
                .append("<th>observed ms</th><th>free cores</th><th>score</th><th>excluded / why</th></tr>");
        for (JsonNode candidate : routing.path("candidates")) {
            String note = candidate.path("excluded").asText().isEmpty() ? candidate.path("why").asText()
                    : candidate.path("excluded").asText();
            html.append("<tr><td>").append(escape(candidate.path("name").asText())).append("</td><td>")
                    .append(escape(candidate.path("bucket").asText())).append("</td><td>")
                    .append(number(candidate.path("rttMillis").asDouble())).append("</td><td>")
                    .append(number(candidate.path("rttUpperBoundMillis").asDouble())).append("</td><td>")
                    .append(number(candidate.path("observedMillis").asDouble())).append("</td><td>")
                    .append(candidate.path("freeCores").asInt()).append("</td><td>")
                    .append(candidate.path("score").isNumber() ? number(candidate.path("score").asDouble()) : "-")
                    .append("</td><td>").append(escape(note)).append("</td></tr>");
        }
        html.append("</table>");
    }

    static String render(JsonNode job, List<Reports.Sample> samples) {
        StringBuilder html = new StringBuilder();
        html.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Stampede report ")
                .append(escape(job.path("id").asText())).append("</title><style>")
                .append("body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}")
                .append("th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}th:first-child,td:first-child,")
                .append("td:nth-child(2){text-align:left}h2{margin-top:2em}.legend span{margin-right:1em}")
                .append("</style></head><body>");
        html.append("<h1>").append(escape(job.path("name").asText())).append("</h1><p>Job <code>")
                .append(escape(job.path("id").asText())).append("</code>: <b>").append(escape(job.path("status").asText()))
                .append("</b>, submitted ").append(escape(job.path("submittedAt").asText())).append("</p>");
        html.append("<table><tr><th>datacenter</th><th>status</th></tr>");
        job.path("datacenters").fields().forEachRemaining(dc -> html.append("<tr><td>").append(escape(dc.getKey()))
                .append("</td><td>").append(escape(dc.getValue().path("status").asText())).append("</td></tr>"));
        html.append("</table>");
        thresholds(job.path("thresholds"), html);
        routing(job.path("routing"), html);
        JsonNode unaccounted = job.path("unaccounted");
        if (!unaccounted.isMissingNode() && !unaccounted.isNull()) {
            html.append("<p>Unaccounted: at most <b>").append(unaccounted.path("requestsAtMost").asLong())
                    .append("</b> requests that lost workers may have sent after their last reported window.</p>");
        }
        html.append("<table><tr><th>workflow</th><th>step</th><th>requests</th><th>req/s</th><th>errors</th>")
                .append("<th>not sent</th><th>p50 ms</th><th>p90 ms</th><th>p95 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>max ms</th></tr>");
        for (JsonNode workflow : job.path("workflows")) {
            for (JsonNode step : workflow.path("steps")) {
                JsonNode l = step.path("latencyMs");
                html.append("<tr><td>").append(escape(workflow.path("workflow").asText())).append("</td><td>")
                        .append(escape(step.path("step").asText())).append("</td><td>").append(step.path("requests").asLong())
                        .append("</td><td>").append(number(step.path("requestsPerSecond").asDouble())).append("</td><td>")
                        .append(step.path("failed").asLong()).append("</td><td>").append(Reports.notSent(step))
                        .append("</td>");
                for (String p : new String[] {"p50", "p90", "p95", "p99", "p999", "max"}) {
                    html.append("<td>").append(number(l.path(p).asDouble())).append("</td>");
                }
                html.append("</tr>");
            }
        }
        html.append("</table>");
        for (JsonNode workflow : job.path("workflows")) {
            String name = workflow.path("workflow").asText();
            html.append("<h2>").append(escape(name)).append("</h2>");
            long dropped = workflow.path("droppedIterations").asLong();
            if (dropped > 0) {
                html.append("<p>Dropped iterations: <b>").append(dropped)
                        .append("</b> (due while every one of maxVus was busy, never started)</p>");
            }
            html.append(chart("Throughput (requests/s)", samples, List.of("requests/s"), sample -> throughput(samples, sample, name)));
            html.append(chart("Latency percentiles so far (ms)", samples, List.of("p50", "p90", "p99"),
                    sample -> percentiles(samples.get(sample).job(), name)));
        }
        html.append("</body></html>\n");
        return html.toString();
    }

    private interface Series {
        double[] at(int sample);
    }

    private static double[] throughput(List<Reports.Sample> samples, int index, String workflow) {
        double rate = 0;
        for (JsonNode candidate : samples.get(index).job().path("workflows")) {
            if (candidate.path("workflow").asText().equals(workflow)) {
                for (JsonNode step : candidate.path("steps")) {
                    rate += step.path("currentRequestsPerSecond").asDouble();
                }
            }
        }
        return new double[] {rate};
    }

    /** The percentiles of the workflow's busiest step. */
    private static double[] percentiles(JsonNode job, String workflow) {
        JsonNode busiest = null;
        for (JsonNode candidate : job.path("workflows")) {
            if (candidate.path("workflow").asText().equals(workflow)) {
                for (JsonNode step : candidate.path("steps")) {
                    if (busiest == null || step.path("requests").asLong() > busiest.path("requests").asLong()) {
                        busiest = step;
                    }
                }
            }
        }
        if (busiest == null) {
            return new double[] {0, 0, 0};
        }
        JsonNode l = busiest.path("latencyMs");
        return new double[] {l.path("p50").asDouble(), l.path("p90").asDouble(), l.path("p99").asDouble()};
    }

    private static String chart(String title, List<Reports.Sample> samples, List<String> names, Series series) {
        StringBuilder svg = new StringBuilder("<h3>").append(escape(title)).append("</h3>");
        if (samples.size() < 2) {
            return svg.append("<p>Too short a run to chart.</p>").toString();
        }
        double maxX = Math.max(1e-9, samples.get(samples.size() - 1).seconds());
        double maxY = 1e-9;
        List<double[]> values = new ArrayList<>();
        for (int i = 0; i < samples.size(); i++) {
            double[] value = series.at(i);
            values.add(value);
            for (double v : value) {
                maxY = Math.max(maxY, v);
            }
        }
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH + 60).append("\" height=\"")
                .append(HEIGHT + 30).append("\"><g transform=\"translate(50,5)\">")
                .append("<line x1=\"0\" y1=\"").append(HEIGHT).append("\" x2=\"").append(WIDTH).append("\" y2=\"")
                .append(HEIGHT).append("\" stroke=\"#888\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"").append(HEIGHT)
                .append("\" stroke=\"#888\"/>")
                .append("<text x=\"-6\" y=\"10\" text-anchor=\"end\" font-size=\"11\">").append(number(maxY)).append("</text>")
                .append("<text x=\"").append(WIDTH).append("\" y=\"").append(HEIGHT + 18)
                .append("\" text-anchor=\"end\" font-size=\"11\">").append(number(maxX)).append(" s</text>");
        for (int line = 0; line < names.size(); line++) {
            svg.append("<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"").append(COLOURS[line % COLOURS.length])
                    .append("\" points=\"");
            for (int i = 0; i < samples.size(); i++) {
                double x = samples.get(i).seconds() / maxX * WIDTH;
                double y = HEIGHT - values.get(i)[line] / maxY * HEIGHT;
                svg.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            svg.append("\"/>");
        }
        svg.append("</g></svg><div class=\"legend\">");
        for (int line = 0; line < names.size(); line++) {
            svg.append("<span style=\"color:").append(COLOURS[line % COLOURS.length]).append("\">&#9632; ")
                    .append(escape(names.get(line))).append("</span>");
        }
        return svg.append("</div>").toString();
    }

    private static String number(double value) {
        return String.format(Locale.ROOT, value >= 100 ? "%.0f" : "%.2f", value);
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
