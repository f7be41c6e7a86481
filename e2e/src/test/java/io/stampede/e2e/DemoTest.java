package io.stampede.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.stampede.local.Processes;

/** The README's first command, exactly as a newcomer runs it. */
class DemoTest {

    @TempDir
    Path directory;

    @AfterEach
    void stopCluster() {
        Command.stampede(directory, Duration.ofMinutes(2), "local", "down");
        Command.localClusterProcesses(directory).forEach(process -> Processes.stop(process, Duration.ofSeconds(5)));
    }

    @Test
    void theDemoRunsAJobOnAFreshLocalClusterAndLeavesTheClusterUp() throws Exception {
        Command.Result demo = Command.stampede(directory, Duration.ofMinutes(4), "demo");

        assertThat(demo.exitCode()).as(demo.toString()).isZero();
        assertThat(demo.out()).contains("All 7 nodes are ready", "COMPLETED", "login", "browse",
                "The cluster is still running", "PASS p99 below 1000ms (browse): ", "PASS errorRate below 1% (job): 0%");
        assertThat(directory.resolve(".stampede/demo-report.html")).exists();
        String served = demo.out().replaceAll("(?s).*The demo API served (\\d+) requests.*", "$1");
        // Table rows: workflow, a two-word step name, then the request count.
        long reported = demo.out().lines().filter(line -> line.matches("\\s+(login\\s+sign in|browse\\s+list items)\\s.*"))
                .mapToLong(line -> Long.parseLong(line.trim().split("\\s+")[3])).sum();
        assertThat(Long.parseLong(served)).isEqualTo(reported);
        assertThat(Command.stampede(directory, Duration.ofMinutes(1), "local", "status").exitCode()).isZero();
        assertThat(Files.readString(directory.resolve(".stampede/demo-job.yaml"))).contains("name: stampede demo");
        // Its gate and managers compile with the JIT's first tier only, its workers with the whole JIT.
        for (String id : List.of("gate-1", "manager-dc1-1", "manager-dc2-1")) {
            assertThat(Command.node(directory, id).get("command").toString()).as(id).contains("-XX:TieredStopAtLevel=1");
        }
        assertThat(Command.node(directory, "worker-dc1-1").get("command").toString()).doesNotContain("TieredStopAtLevel");

        // The ramp is a ramp: what was browsed up to each whole second (its rates, which windows spread
        // over the seconds they cover) within 10 % of what the schedule asked for by then, or off it
        // by no more than a quarter of that second's rate, and each second within 25 % of its own rate (on
        // 2 busy cores an iteration may start a little late, in the next second: the sum catches up, a
        // single second may not; over the first seconds judged the sum is hardly more than one second).
        String id = demo.err().replaceAll("(?s).*submitted job (job-[0-9a-f]+) .*", "$1");
        String gate = "http://127.0.0.1:" + Command.node(directory, "gate-1").get("httpPort").asInt();
        com.fasterxml.jackson.databind.JsonNode series = Command.getJson(gate + "/api/v1/jobs/" + id
                + "/series?workflow=browse");
        com.fasterxml.jackson.databind.JsonNode points = series.at("/series/0/points");
        assertThat(points.size()).as(series.toString()).isGreaterThanOrEqualTo(14);
        long counted = 0;
        double asked = 0;
        double browsedByThen = 0;
        StringBuilder ramp = new StringBuilder();
        for (int i = 0; i < points.size(); i++) {
            com.fasterxml.jackson.databind.JsonNode point = points.get(i);
            counted += point.at("/steps/0/requests").asLong();
            ramp.append(String.format(java.util.Locale.ROOT, " %.0f/%.0f", point.at("/steps/0/requestsPerSecond").asDouble(),
                    point.get("targetRate").asDouble()));
            if (i == 0 || point.get("seconds").asDouble() < 1.0) {
                continue; // the first second, and a last one cut short, are too short to judge
            }
            asked += point.get("targetRate").asDouble();
            browsedByThen += point.at("/steps/0/requestsPerSecond").asDouble();
            assertThat(browsedByThen).as("up to second %d of %s", i, points).isCloseTo(asked,
                    org.assertj.core.api.Assertions.within(Math.max(asked * 0.10, point.get("targetRate").asDouble() * 0.25)));
            assertThat(point.at("/steps/0/requestsPerSecond").asDouble()).as("second %d of %s", i, points)
                    .isCloseTo(point.get("targetRate").asDouble(), org.assertj.core.api.Assertions.withinPercentage(25));
        }
        System.out.println("The demo's ramp, each second's rate/target:" + ramp + "; its thresholds:"
                + demo.out().lines().filter(line -> line.contains("PASS ") || line.contains("FAIL "))
                        .map(String::strip).reduce("", (all, line) -> all + " " + line));
        long browsed = demo.out().lines().filter(line -> line.matches("\\s+browse\\s+list items\\s.*"))
                .mapToLong(line -> Long.parseLong(line.trim().split("\\s+")[3])).sum();
        assertThat(counted).as("the series counts what the table does").isEqualTo(browsed);

        // The report draws its charts in a real browser; its picture is kept in target/screenshots.
        if (Chromium.binary().isEmpty()) {
            System.err.println("DemoTest: no chromium here (apt-get install chromium): the report was not rendered");
            return;
        }
        String page = directory.resolve(".stampede/demo-report.html").toUri().toString();
        String dom = Chromium.dumpDom(page, Duration.ofSeconds(5));
        assertThat(dom).contains("data-charts-drawn=\"true\"", "browse: load", "list items: throughput",
                "list items: latency of each second", "browse: requests/s by datacenter");
        // login and browse: load, throughput, latency and errors of their one step, and the datacenters' throughput.
        assertThat(dom.split("class=\"uplot", -1).length - 1).isEqualTo(10);
        Chromium.screenshot(page, Path.of("target/screenshots/demo-report.png"), 1200, 4000, Duration.ofSeconds(5));
    }
}
