package io.stampede.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The Grafana dashboard in deploy/grafana graphs only what gates export, with the names they export. */
class GrafanaDashboardTest {

    /**
     * The per-job series a gate exports (gate: JobMetrics), as Prometheus names them; the job is
     * the label stampede_job (Prometheus keeps job for the scrape job).
     */
    static final Set<String> EXPORTED = Set.of("stampede_requests_total", "stampede_request_latency_seconds",
            "stampede_active_vus", "stampede_iterations_dropped_total");
    /** A series selected by its labels: the name before a '{' (the label stampede_job is followed by '='). */
    private static final Pattern METRIC = Pattern.compile("\\b(stampede_[a-z_]+)\\{");

    @Test
    void everyPanelQueriesExportedSeriesOfTheChosenJob() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(Path.of(System.getProperty("stampede.deploy.dir", ""))
                .toAbsolutePath().resolve("grafana/stampede-jobs.json").toFile());

        List<String> expressions = new ArrayList<>();
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            assertThat(ids.add(panel.path("id").asInt())).as("panel ids are unique").isTrue();
            assertThat(panel.path("targets")).as(panel.path("title").asText()).isNotEmpty();
            panel.path("targets").forEach(target -> expressions.add(target.path("expr").asText()));
        }
        assertThat(expressions).hasSizeGreaterThanOrEqualTo(4).allSatisfy(expression -> {
            assertThat(expression).contains("stampede_job=\"$job\"");
            Matcher names = METRIC.matcher(expression);
            int found = 0;
            while (names.find()) {
                assertThat(EXPORTED).as(expression).contains(names.group(1));
                found++;
            }
            assertThat(found).as(expression).isPositive();
        });
        assertThat(dashboard.at("/templating/list/1/query/query").asText())
                .isEqualTo("label_values(stampede_requests_total, stampede_job)");
    }
}
