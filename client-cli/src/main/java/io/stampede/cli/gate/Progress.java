package io.stampede.cli.gate;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What {@code run} and {@code watch} show while a job runs. On a terminal, one table redrawn in
 * place (at most four times a second): a row per workflow and step (and per datacenter with
 * {@code --per-datacenter}) with its state, requests, current rate, p99 and errors, and for work
 * bounded by time a progress bar with what is left. Elsewhere (a pipe, a CI log), one summary line
 * every {@value #PLAIN_EVERY_SECONDS} s. Rates are the gate's, from the windows' own timestamps
 * over the last complete seconds, never from when updates arrived.
 */
final class Progress {

    /** How often a summary line is printed where there is no terminal. */
    static final int PLAIN_EVERY_SECONDS = 10;
    /** The least time between two redraws of the table, in milliseconds. */
    static final long REDRAW_MILLIS = 250;
    private static final int BAR = 10;

    private final PrintWriter out;
    private final boolean live;
    private final boolean perDatacenter;
    private final Map<String, Duration> planned;
    private final LongSupplier nanos;
    private final int width;
    private final long started;
    private long lastShown = Long.MIN_VALUE;
    private int drawnLines;
    private JsonNode latest;

    /**
     * @param live     redraw a table in place (a terminal) rather than print summary lines
     * @param planned  each workflow's planned running time, for its progress bar; none for work
     *                 bounded by iterations, or when the job's file is not at hand ({@code watch})
     * @param nanos    a monotonic clock, in nanoseconds
     */
    Progress(PrintWriter out, boolean live, boolean perDatacenter, Map<String, Duration> planned, LongSupplier nanos) {
        this(out, live, perDatacenter, planned, nanos, live ? terminalWidth() : Integer.MAX_VALUE);
    }

    /** @param width the terminal's columns: every line of the live table is cut to fit */
    Progress(PrintWriter out, boolean live, boolean perDatacenter, Map<String, Duration> planned, LongSupplier nanos,
            int width) {
        this.width = Math.max(20, width);
        this.out = out;
        this.live = live;
        this.perDatacenter = perDatacenter;
        this.planned = Map.copyOf(planned);
        this.nanos = nanos;
        this.started = nanos.getAsLong();
    }

    /** The terminal's columns: $COLUMNS, else what {@code stty size} says, else 80. */
    static int terminalWidth() {
        try {
            String columns = System.getenv("COLUMNS");
            if (columns != null && columns.matches("\\d+")) {
                return Integer.parseInt(columns);
            }
            Process stty = new ProcessBuilder("stty", "size").redirectInput(ProcessBuilder.Redirect.from(
                    new java.io.File("/dev/tty"))).redirectErrorStream(true).start();
            String size = new String(stty.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
            if (stty.waitFor() == 0 && size.matches("\\d+ \\d+")) {
                return Integer.parseInt(size.split(" ")[1]);
            }
        } catch (java.io.IOException | RuntimeException e) {
            // No stty, no /dev/tty: the usual width.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 80;
    }

    /** Whether this process writes to a terminal that can redraw (not a pipe, not TERM=dumb). */
    static boolean terminal() {
        return System.console() != null && !"dumb".equals(System.getenv("TERM"));
    }

    /** A new state of the job, as the gate sent it. */
    void update(JsonNode job) {
        latest = job;
        long now = nanos.getAsLong();
        long every = live ? REDRAW_MILLIS * 1_000_000 : PLAIN_EVERY_SECONDS * 1_000_000_000L;
        if (lastShown != Long.MIN_VALUE && now - lastShown < every) {
            return;
        }
        lastShown = now;
        show(job, (now - started) / 1e9);
    }

    /** The job has ended: the table shows its last state (summary lines stop: the final table follows). */
    void end() {
        if (live && latest != null) {
            show(latest, (nanos.getAsLong() - started) / 1e9);
        }
    }

    private void show(JsonNode job, double seconds) {
        if (live) {
            redraw(table(job, seconds));
        } else {
            out.println(summary(job, seconds));
        }
        out.flush();
    }

    /**
     * Moves up over the table drawn last and draws this one over it, line by line, each cut to the
     * terminal's width: a line that wrapped would take two rows, and the next redraw would start
     * one row too low.
     */
    private void redraw(List<String> lines) {
        StringBuilder text = new StringBuilder();
        if (drawnLines > 0) {
            text.append("\u001b[").append(drawnLines).append('A');
        }
        for (String line : lines) {
            text.append('\r').append("\u001b[2K").append(cut(line, width - 1)).append('\n');
        }
        // A table shorter than the last one leaves no old rows below it.
        for (int i = lines.size(); i < drawnLines; i++) {
            text.append("\u001b[2K\n");
        }
        out.print(text);
        drawnLines = Math.max(lines.size(), drawnLines);
    }

    /** The live table: a header, then a row per workflow and step. */
    List<String> table(JsonNode job, double seconds) {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "job %s %s %.0fs", job.path("id").asText(), job.path("status").asText(),
                seconds));
        lines.add(String.format(Locale.ROOT, "%-14s %-14s %-9s %9s %8s %8s %7s  %s", "workflow", "step", "state",
                "requests", "req/s", "p99 ms", "errors", "progress"));
        rows("", job.path("status").asText(), job.path("workflows"), lines);
        if (perDatacenter) {
            job.path("datacenters").fields().forEachRemaining(dc ->
                    rows(dc.getKey() + "/", dc.getValue().path("status").asText(), dc.getValue().path("statistics"), lines));
        }
        return lines;
    }

    private void rows(String prefix, String fallbackState, JsonNode workflows, List<String> lines) {
        for (JsonNode workflow : workflows) {
            String name = workflow.path("workflow").asText();
            String state = workflow.path("state").asText(fallbackState);
            String bar = bar(name, state, workflow.path("seconds").asDouble());
            for (JsonNode step : workflow.path("steps")) {
                lines.add(String.format(Locale.ROOT, "%-14s %-14s %-9s %9d %8.1f %8.2f %7d  %s",
                        cut(prefix + name, 14), cut(step.path("step").asText(), 14), cut(state, 9),
                        step.path("requests").asLong(),
                        step.path("currentRequestsPerSecond").asDouble(), step.path("latencyMs").path("p99").asDouble(),
                        step.path("failed").asLong(), bar));
            }
            List<String> notes = new ArrayList<>();
            long dropped = workflow.path("droppedIterations").asLong();
            if (dropped > 0) {
                notes.add("dropped " + dropped + " (maxVus busy)");
            }
            long notSent = 0;
            for (JsonNode step : workflow.path("steps")) {
                notSent += Reports.notSent(step);
            }
            if (notSent > 0) {
                notes.add("not sent " + notSent);
            }
            if (!notes.isEmpty()) {
                lines.add(cut(prefix + name, 14) + "  " + String.join(", ", notes));
            }
        }
    }

    /** "[########------------]  40% 9s left" for work bounded by time; the state's end otherwise. */
    private String bar(String workflow, String state, double seconds) {
        Duration duration = planned.get(workflow);
        if (duration == null || duration.isZero()) {
            return "";
        }
        boolean ended = state.equals("COMPLETED") || state.equals("FAILED") || state.equals("CANCELLED");
        double total = duration.toMillis() / 1000.0;
        double done = ended ? 1 : Math.min(1, seconds / total);
        int filled = (int) Math.round(done * BAR);
        String left = ended ? "" : String.format(Locale.ROOT, " %.0fs left", Math.max(0, total - seconds));
        return "[" + "#".repeat(filled) + "-".repeat(BAR - filled) + "] " + String.format(Locale.ROOT, "%3.0f%%", done * 100)
                + left;
    }

    /** One line for the whole job: each workflow's state, requests, current rate, p99 and errors. */
    static String summary(JsonNode job, double seconds) {
        List<String> parts = new ArrayList<>();
        for (JsonNode workflow : job.path("workflows")) {
            parts.add(workflow(workflow, job.path("status").asText()));
        }
        return String.format(Locale.ROOT, "[%6.1fs] %s  %s", seconds, job.path("status").asText(),
                String.join(" | ", parts));
    }

    /** A workflow's figures in a line: "browse RUNNING 1203 req 130.4 req/s p99 57.34 ms errors 0". */
    static String workflow(JsonNode workflow, String fallbackState) {
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
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%s %s %d req %.1f req/s p99 %.2f ms errors %d",
                workflow.path("workflow").asText(), workflow.path("state").asText(fallbackState), requests, rate, p99,
                failed));
        long dropped = workflow.path("droppedIterations").asLong();
        if (dropped > 0) {
            line.append(" dropped ").append(dropped).append(" (maxVus busy)");
        }
        if (notSent > 0) {
            line.append(" not sent ").append(notSent);
        }
        return line.toString();
    }

    private static String cut(String text, int width) {
        return text.length() <= width ? text : text.substring(0, width - 1) + "~";
    }
}
