package io.stampede.cli.gate;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A report in one HTML file with no outside resources: the job's tables, its thresholds, and per
 * workflow and step charts of its series (throughput with the target rate, each second's own
 * percentiles, errors by reason, active virtual users, throughput per datacenter), drawn in the
 * browser by uPlot and the project's charts script, both inlined with the data (docs/reports.md).
 */
final class HtmlReport {

    static final String UPLOT_JS = "/META-INF/resources/vendor/uplot/uPlot.iife.min.js";
    static final String UPLOT_CSS = "/META-INF/resources/vendor/uplot/uPlot.min.css";
    static final String CHARTS_JS = "/META-INF/resources/stampede/charts.js";
    static final String REPORT_JS = "/io/stampede/cli/gate/report.js";
    private static final ObjectMapper JSON = new ObjectMapper();

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

    /**
     * The job's timeline, numbered as the charts' dashed lines: when (seconds from the series'
     * first point, as the charts count, and the time of day), where, and what happened.
     */
    private static void events(JsonNode events, JsonNode series, StringBuilder html) {
        if (!events.isArray() || events.isEmpty()) {
            return;
        }
        long start = Long.MAX_VALUE;
        for (JsonNode workflow : series.path("series")) {
            for (JsonNode point : workflow.path("points")) {
                start = Math.min(start, point.path("startMillis").asLong());
            }
        }
        html.append("<h2>Events</h2><p>Numbered as the dashed lines on the charts.</p><table><tr><th>#</th><th>s</th>"
                + "<th>time</th><th>datacenter</th><th>event</th></tr>");
        int n = 0;
        for (JsonNode event : events) {
            long at = event.path("atMillis").asLong();
            String workflow = event.path("workflow").asText();
            html.append("<tr><td>").append(++n).append("</td><td>")
                    .append(start == Long.MAX_VALUE ? "" : String.format(Locale.ROOT, "%.1f", (at - start) / 1000.0))
                    .append("</td><td>").append(Instant.ofEpochMilli(at)).append("</td><td>")
                    .append(escape(event.path("datacenter").asText().isEmpty() ? "job" : event.path("datacenter").asText()))
                    .append("</td><td>").append(escape((workflow.isEmpty() ? "" : workflow + ": ")
                            + event.path("detail").asText())).append("</td></tr>");
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

    /**
     * The report of a job as the gate shows it, with its series: every datacenter merged, and each
     * datacenter's (for the per-datacenter chart), as {@code {datacenter, series}}.
     */
    static String render(JsonNode job, JsonNode series, List<JsonNode> seriesByDatacenter) {
        StringBuilder html = new StringBuilder();
        html.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Stampede report ")
                .append(escape(job.path("id").asText())).append("</title><style>").append(asset(UPLOT_CSS))
                .append("body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}")
                .append("table{border-collapse:collapse;margin:1em 0}")
                .append("th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}th:first-child,td:first-child,")
                .append("td:nth-child(2){text-align:left}h2{margin-top:2em}.chart{margin:1em 0}")
                .append("</style></head><body>");
        html.append("<h1>").append(escape(job.path("name").asText())).append("</h1><p>Job <code>")
                .append(escape(job.path("id").asText())).append("</code>: <b>").append(escape(job.path("status").asText()))
                .append("</b>, submitted ").append(escape(job.path("submittedAt").asText())).append("</p>");
        thresholds(job.path("thresholds"), html);
        html.append("<table><tr><th>datacenter</th><th>status</th></tr>");
        job.path("datacenters").fields().forEachRemaining(dc -> html.append("<tr><td>").append(escape(dc.getKey()))
                .append("</td><td>").append(escape(dc.getValue().path("status").asText())).append("</td></tr>"));
        html.append("</table>");
        job.path("errors").fields().forEachRemaining(error -> html.append("<p>Error <b>").append(escape(error.getKey()))
                .append("</b>: ").append(escape(error.getValue().asText())).append("</p>"));
        JsonNode unaccounted = job.path("unaccounted");
        if (!unaccounted.isMissingNode() && !unaccounted.isNull()) {
            html.append("<p>Unaccounted: at most <b>").append(unaccounted.path("requestsAtMost").asLong())
                    .append("</b> requests that lost workers may have sent after their last reported window.</p>");
        }
        html.append("<h2>Results</h2>");
        stepTable(job.path("workflows"), html);
        for (JsonNode workflow : job.path("workflows")) {
            long dropped = workflow.path("droppedIterations").asLong();
            if (dropped > 0) {
                html.append("<p>").append(escape(workflow.path("workflow").asText())).append(": dropped iterations: <b>")
                        .append(dropped).append("</b> (due while every one of maxVus was busy, never started)</p>");
            }
        }
        if (job.path("datacenters").size() > 1) {
            html.append("<h2>Per datacenter</h2>");
            job.path("datacenters").fields().forEachRemaining(dc -> {
                html.append("<h3>").append(escape(dc.getKey())).append("</h3>");
                stepTable(dc.getValue().path("statistics"), html);
            });
        }
        routing(job.path("routing"), html);
        html.append("<h2>Over time</h2>");
        boolean anyPoint = false;
        for (JsonNode workflow : series.path("series")) {
            anyPoint |= !workflow.path("points").isEmpty();
        }
        html.append(!series.has("series") ? "<p>The charts are missing: the gate did not give the job's series"
                + " (`stampede report` writes the report again while the gates keep the job's results: 7 days by"
                + " default).</p>"
                : anyPoint ? "<p>Each point is one second (or the series' resolution) on its own: its rate, its"
                        + " percentiles, its errors. Times are seconds from the job's first window.</p>"
                        : series.path("note").asText().isEmpty() ? "<p>The job reported no window: nothing to chart.</p>"
                        : "");
        if (!series.path("note").asText().isEmpty()) {
            html.append("<p><strong>Note:</strong> ").append(escape(series.path("note").asText())).append(".</p>");
        }
        html.append("<div id=\"charts\"></div>");
        events(job.path("events"), series, html);
        data(html, "job-events", job.path("events").isArray() ? job.path("events") : JSON.createArrayNode());
        data(html, "series-data", series);
        data(html, "series-by-datacenter", JSON.valueToTree(seriesByDatacenter));
        html.append("<script>").append(asset(UPLOT_JS)).append("</script><script>").append(asset(CHARTS_JS))
                .append("</script><script>").append(asset(REPORT_JS)).append("</script>");
        html.append("</body></html>\n");
        return html.toString();
    }

    /**
     * JSON for the page's script, in a data block, with every '<' written as its JSON escape: no
     * name in it (steps, checks, failure reasons are the user's) can end the block or open a comment.
     */
    private static void data(StringBuilder html, String id, JsonNode value) {
        try {
            html.append("<script type=\"application/json\" id=\"").append(id).append("\">")
                    .append(JSON.writeValueAsString(value).replace("<", "\\u003c")).append("</script>");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A row per workflow and step, with a row per failure reason under it. */
    private static void stepTable(JsonNode workflows, StringBuilder html) {
        html.append("<table><tr><th>workflow</th><th>step</th><th>requests</th><th>req/s</th><th>errors</th>")
                .append("<th>not sent</th><th>p50 ms</th><th>p90 ms</th><th>p95 ms</th><th>p99 ms</th><th>p99.9 ms</th>")
                .append("<th>max ms</th></tr>");
        for (JsonNode workflow : workflows) {
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
                step.path("failures").fields().forEachRemaining(failure -> html.append("<tr><td></td><td>")
                        .append(escape(failure.getKey())).append("</td><td>").append(failure.getValue().asLong())
                        .append("</td><td colspan=\"9\"></td></tr>"));
            }
        }
        html.append("</table>");
    }

    /** A file the web module vendors or holds, read from the class path. */
    static String asset(String path) {
        try (InputStream in = HtmlReport.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException(path + " is not on the class path (the stampede-web module)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String number(double value) {
        return String.format(Locale.ROOT, value >= 100 ? "%.0f" : "%.2f", value);
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
