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
    void liveLinesShowTheWorkflowsStateItsCurrentRateDropsAndUnsentRequests() {
        StringWriter text = new StringWriter();

        Progress.print(job(), 4.2, new PrintWriter(text), false);

        assertThat(text.toString()).contains("crowd", "RUNNING", "80 req", "20.0 req/s", "errors 4",
                "dropped 12 (maxVus busy)", "not sent 8");
    }

    @Test
    void theTableTheCsvAndTheHtmlShowDropsAndUnsentRequests() {
        StringWriter table = new StringWriter();
        Reports.printTable(job(), new PrintWriter(table));

        assertThat(table.toString()).contains("job job-1 (crowded): RUNNING", "crowd            dropped 12 iterations")
                .containsPattern("not sent: invalid_url +8\\n");
        assertThat(Reports.csv(job())).contains(",not_sent,dropped_iterations\n").contains(",8,12\n");
        assertThat(HtmlReport.render(job(), List.of())).contains("<th>not sent</th>", "Dropped iterations: <b>12</b>");
    }

    @Test
    void whatLostWorkersMayHaveSentIsDeclaredInTheTableAndTheHtml() {
        var job = (com.fasterxml.jackson.databind.node.ObjectNode) job();
        job.set("unaccounted", JSON.valueToTree(io.stampede.model.stats.Unaccounted.NONE.plusLost("worker-2",
                new WorkflowWindow("crowd", 0, 1000, 40, 0, 1, List.of(new StepWindow("slow", 40, 40, Map.of(), 0, 0,
                        Map.of(), LatencyHistograms.encode(LatencyHistograms.create())))))));
        StringWriter table = new StringWriter();

        Reports.printTable(job, new PrintWriter(table));

        assertThat(table.toString()).contains("unaccounted: at most 60 requests that lost workers (worker-2)");
        assertThat(HtmlReport.render(job, List.of())).contains("Unaccounted: at most <b>60</b>");
    }

    @Test
    void aReportPathIsCheckedBeforeAnythingRuns(@TempDir Path folder) throws Exception {
        assertThat(Reports.problem(folder.resolve("r.html"))).isEmpty();
        assertThat(Reports.problem(folder.resolve("r.pdf"))).contains("a report file must end in .json, .csv or .html");
        assertThat(Reports.problem(folder.resolve("missing/r.json"))).get().asString().startsWith("no such folder: ");
        Files.createDirectory(folder.resolve("taken.csv"));
        assertThat(Reports.problem(folder.resolve("taken.csv"))).get().asString().startsWith("cannot write ");
    }
}
