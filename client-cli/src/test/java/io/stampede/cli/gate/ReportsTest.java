package io.stampede.cli.gate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.stampede.model.lifecycle.WorkflowState;
import io.stampede.model.stats.JobStatistics;
import io.stampede.model.stats.LatencyHistograms;
import io.stampede.model.stats.StepWindow;
import io.stampede.model.stats.WorkflowWindow;

class ReportsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A job as the gate shows it: one workflow with drops and unsent requests, still running. */
    private static JsonNode job() {
        JobStatistics statistics = new JobStatistics(List.of("dc1"), List.of("crowd"));
        for (long second = 0; second < 4; second++) {
            long start = 1_790_000_000_000L + second * 1000;
            statistics.onProgress("dc1", Map.of("crowd", List.of(new WorkflowWindow("crowd", start, start + 1000, 20,
                    3, 2, List.of(new StepWindow("slow", 20, 19, Map.of("timeout", 1L), 0, 0, Map.of(),
                            LatencyHistograms.encode(LatencyHistograms.create()), Map.of("invalid_url", 2L)))))));
        }
        var job = JSON.createObjectNode();
        job.put("id", "job-1");
        job.put("name", "crowded");
        job.put("status", "RUNNING");
        job.set("workflows", JSON.valueToTree(statistics.reports(Map.of("dc1", Map.of("crowd", WorkflowState.RUNNING)))));
        return job;
    }

    @Test
    void withoutATerminalASummaryLineEveryTenSecondsShowsEachWorkflowsStateRateDropsAndUnsentRequests() {
        StringWriter text = new StringWriter();
        long[] now = {0};
        Progress progress = new Progress(new PrintWriter(text), false, false, Map.of(), () -> now[0]);

        for (int second = 0; second <= 25; second++) {
            now[0] = second * 1_000_000_000L;
            progress.update(job());
            progress.update(job());
        }
        progress.end();

        assertThat(text.toString().lines()).as(text.toString()).hasSize(3).first().asString()
                .isEqualTo("[   0.0s] RUNNING  crowd RUNNING 80 req 20.0 req/s p99 0.00 ms errors 4 dropped 12 (maxVus busy)"
                        + " not sent 8");
        assertThat(text.toString().lines().toList().get(2)).startsWith("[  20.0s] RUNNING  crowd");
    }

    @Test
    void onATerminalOneTableIsRedrawnInPlaceWithAProgressBarForTimedWorkEachLineWithinTheWidth() {
        StringWriter text = new StringWriter();
        long[] now = {0};
        Progress progress = new Progress(new PrintWriter(text), true, false, Map.of("crowd", java.time.Duration.ofSeconds(8)),
                () -> now[0], 200);

        progress.update(job());
        now[0] = 100_000_000L;
        progress.update(job()); // within a quarter of a second: not drawn
        now[0] = 1_000_000_000L;
        progress.update(job());

        String drawn = text.toString();
        assertThat(drawn.split("\u001b\\[4A", -1)).as("drawn twice, the second over the first").hasSize(2);
        assertThat(drawn).contains("job job-1 RUNNING", "crowd  dropped 12 (maxVus busy), not sent 8")
                .containsPattern("crowd +slow +RUNNING +80 +20\\.0 +0\\.00 +4  \\[#####-----\\]  50% 4s left");

        StringWriter narrow = new StringWriter();
        new Progress(new PrintWriter(narrow), true, false, Map.of("crowd", java.time.Duration.ofSeconds(8)), () -> 0L, 40)
                .update(job());
        assertThat(narrow.toString().split("\n")).allSatisfy(line -> assertThat(line.replaceAll("\u001b\\[[0-9]*[A-Z]", "")
                .replace("\r", "")).hasSizeLessThan(40));
    }

    @Test
    void theTableTheCsvAndTheHtmlShowDropsAndUnsentRequests() {
        StringWriter table = new StringWriter();
        Reports.printTable(job(), new PrintWriter(table));

        assertThat(table.toString()).contains("job job-1 (crowded): RUNNING", "crowd            dropped 12 iterations")
                .containsPattern("not sent: invalid_url +8\\n");
        assertThat(Reports.csv(job())).contains(",not_sent,dropped_iterations\n").contains(",8,12\n");
        assertThat(HtmlReport.render(job(), JSON.createObjectNode(), List.of())).contains("<th>not sent</th>",
                "crowd: dropped iterations: <b>12</b>");
    }

    @Test
    void whatLostWorkersMayHaveSentIsDeclaredInTheTableAndTheHtml() {
        var job = (com.fasterxml.jackson.databind.node.ObjectNode) job();
        job.set("unaccounted", JSON.valueToTree(io.stampede.model.stats.Unaccounted.NONE.plusLost("worker-2",
                new WorkflowWindow("crowd", 0, 1000, 40, 0, 1, List.of(new StepWindow("slow", 40, 40, Map.of(), 0, 0,
                        Map.of(), LatencyHistograms.encode(LatencyHistograms.create())))))));
        StringWriter table = new StringWriter();

        Reports.printTable(job, new PrintWriter(table));

        // Its last window's 40 requests a second, over the windows a lost worker may not have reported.
        long atMost = (long) Math.ceil(40 * io.stampede.model.stats.Unaccounted.WINDOWS_AT_RISK);
        assertThat(table.toString()).contains("unaccounted: at most " + atMost + " requests that lost workers (worker-2)");
        assertThat(HtmlReport.render(job, JSON.createObjectNode(), List.of()))
                .contains("Unaccounted: at most <b>" + atMost + "</b>");
    }

    @Test
    void theHtmlListsTheJobsEventsNumberedAsTheChartsMarkThemAndSaysWhatTheSeriesLacks() {
        var job = (com.fasterxml.jackson.databind.node.ObjectNode) job();
        var events = job.putArray("events");
        events.addObject().put("atMillis", 1_790_000_002_500L).put("kind", "re-run").put("datacenter", "dc1")
                .put("workflow", "crowd").put("detail", "worker w-1 was lost (it restarted); its share runs again on w-2");
        events.addObject().put("atMillis", 1_790_000_003_000L).put("kind", "leader").put("datacenter", "dc1")
                .put("workflow", "").put("detail", "manager-2 leads dc1 for the job now <term 3>");
        var series = JSON.createObjectNode().put("note", "this gate began to follow the job 40 s after its submission");
        series.putArray("series").addObject().put("workflow", "crowd").putArray("points").addObject()
                .put("startMillis", 1_790_000_000_000L);

        String html = HtmlReport.render(job, series, List.of());

        assertThat(html).contains("<h2>Events</h2>", "<tr><td>1</td><td>2.5</td><td>2026-09-21T",
                "<td>dc1</td><td>crowd: worker w-1 was lost (it restarted); its share runs again on w-2</td>",
                "<td>2</td><td>3.0</td>", "manager-2 leads dc1 for the job now &lt;term 3&gt;",
                "<strong>Note:</strong> this gate began to follow the job 40 s after its submission.");
        assertThat(html).contains("id=\"job-events\"").contains("\"kind\":\"re-run\"");
        // A series the gates could not keep says why, and not that the job reported nothing.
        var notKept = JSON.createObjectNode().put("note", "the series is not kept: even at its coarsest, it did not fit");
        notKept.putArray("series");
        assertThat(HtmlReport.render(job, notKept, List.of())).contains("<strong>Note:</strong> the series is not kept")
                .doesNotContain("reported no window");
    }

    @Test
    void aReportPathIsCheckedBeforeAnythingRuns(@TempDir Path folder) throws Exception {
        assertThat(Reports.problem(folder.resolve("r.html"))).isEmpty();
        assertThat(Reports.problem(folder.resolve("r.pdf"))).contains("a report file must end in .json, .csv or .html");
        assertThat(Reports.problem(folder.resolve("missing/r.json"))).get().asString().startsWith("no such folder: ");
        Files.createDirectory(folder.resolve("taken.csv"));
        assertThat(Reports.problem(folder.resolve("taken.csv"))).get().asString().startsWith("cannot write ");
    }

    /** The job, ended {@code status}, with verdicts of its thresholds (as the gate judges them) and a check. */
    private static JsonNode judged(String status, String thresholds) {
        JobStatistics statistics = new JobStatistics(List.of("dc1"), List.of("crowd"));
        statistics.onFinished("dc1", Map.of("crowd", new WorkflowWindow("crowd", 1_790_000_000_000L,
                1_790_000_010_000L, 20, 0, 2, List.of(new StepWindow("slow", 20, 19, Map.of("check:ok", 1L), 0, 0,
                        Map.of("ok", new StepWindow.CheckTally(19, 1)), LatencyHistograms.encode(LatencyHistograms.create()))))));
        var job = (com.fasterxml.jackson.databind.node.ObjectNode) job();
        job.put("status", status);
        job.set("workflows", JSON.valueToTree(statistics.reports(Map.of())));
        job.set("thresholds", JSON.valueToTree(statistics.verdicts(io.stampede.model.job.JobSpecParser.parse("""
                name: t
                workflows: [{name: crowd, vus: 1, iterations: 1, steps: [{name: slow, request: {url: "http://h/"}}]}]
                thresholds:
                """ + thresholds).thresholds())));
        return job;
    }

    @Test
    void aCrossedThresholdIsPrintedAndExits99ButACancelKeepsItsOwnCode() {
        String thresholds = "  - {metric: errorRate, below: 1%}\n  - {metric: p99, below: 1s, workflow: crowd}\n";
        StringWriter table = new StringWriter();

        int code = Reports.printOutcome(judged("COMPLETED", thresholds), new PrintWriter(table));

        assertThat(code).isEqualTo(io.stampede.cli.ExitCodes.THRESHOLDS_FAILED);
        assertThat(table.toString()).contains("    FAIL errorRate below 1% (job): 5%\n", "    ---- p99 below 1000ms (crowd): no data\n",
                "thresholds crossed: exit code 99");
        assertThat(Reports.printOutcome(judged("CANCELLED", thresholds), new PrintWriter(new StringWriter())))
                .isEqualTo(io.stampede.cli.ExitCodes.JOB_CANCELLED);
        assertThat(Reports.printOutcome(judged("COMPLETED", "  - {metric: errorRate, below: 10%}\n"),
                new PrintWriter(new StringWriter()))).as("passed; a check failed").isEqualTo(io.stampede.cli.ExitCodes.CHECKS_FAILED);
        var byDefault = (com.fasterxml.jackson.databind.node.ObjectNode) judged("COMPLETED", "  - {metric: errorRate, below: 1%}\n");
        ((com.fasterxml.jackson.databind.node.ObjectNode) byDefault.path("thresholds").get(0)).put("origin", "DEFAULT");
        assertThat(Reports.printOutcome(byDefault, new PrintWriter(new StringWriter())))
                .as("the gate's default crossed, but the check that failed says more").isEqualTo(io.stampede.cli.ExitCodes.CHECKS_FAILED);
        ((com.fasterxml.jackson.databind.node.ObjectNode) byDefault.path("workflows").get(0).path("steps").get(0))
                .putObject("checks");
        assertThat(Reports.printOutcome(byDefault, new PrintWriter(new StringWriter())))
                .as("the gate's default crossed").isEqualTo(io.stampede.cli.ExitCodes.THRESHOLDS_FAILED);
    }

    @Test
    void theJunitReportHasATestForTheEndEachThresholdAndEachCheck(@TempDir Path folder) throws Exception {
        Path file = folder.resolve("junit.xml");

        JunitReport.write(file, judged("COMPLETED", "  - {metric: errorRate, below: 1%}\n"
                + "  - {metric: p99, below: 1s, workflow: crowd}\n  - {metric: errorRate, below: 50%, workflow: crowd}\n"));

        org.w3c.dom.Document xml = javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(file.toFile());
        org.w3c.dom.Element suite = (org.w3c.dom.Element) xml.getElementsByTagName("testsuite").item(0);
        assertThat(suite.getAttribute("name")).isEqualTo("stampede job job-1 (crowded)");
        assertThat(suite.getAttribute("tests")).isEqualTo("5");
        assertThat(suite.getAttribute("failures")).isEqualTo("2");
        assertThat(suite.getAttribute("skipped")).isEqualTo("1");
        org.w3c.dom.NodeList cases = xml.getElementsByTagName("testcase");
        List<String> names = new java.util.ArrayList<>();
        for (int i = 0; i < cases.getLength(); i++) {
            org.w3c.dom.Element test = (org.w3c.dom.Element) cases.item(i);
            names.add(test.getAttribute("classname") + " | " + test.getAttribute("name") + " | "
                    + (test.getElementsByTagName("failure").getLength() > 0
                            ? ((org.w3c.dom.Element) test.getElementsByTagName("failure").item(0)).getAttribute("message")
                            : test.getElementsByTagName("skipped").getLength() > 0 ? "skipped" : "ok"));
        }
        assertThat(names).containsExactly("job | ended COMPLETED | ok",
                "thresholds | errorRate below 1% (job) | was 5%",
                "thresholds | p99 below 1000ms (crowd) | skipped",
                "thresholds | errorRate below 50% (crowd) | ok",
                "checks.crowd.slow | ok | 1 of 20 failed");
    }
}
