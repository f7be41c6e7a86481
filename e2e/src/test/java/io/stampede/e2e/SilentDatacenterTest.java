package io.stampede.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.stampede.cli.JobStatuses;
import io.stampede.testkit.TargetServer;

/**
 * A datacenter that goes silent ends its job instead of hanging it: on a local cluster of two
 * datacenters (one manager each) whose gate gives a datacenter up after 5 s of silence, the only
 * manager of dc2 is killed mid-job.
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class SilentDatacenterTest {

    private static final Duration SILENCE = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    static Path directory;
    static TargetServer target;
    static String gateUrl;
    static long dc2ManagerPid;

    @BeforeAll
    static void startCluster() throws Exception {
        directory = Files.createTempDirectory("stampede-silent-");
        Command.Result up = Command.stampede(directory, Duration.ofMinutes(3), "local", "up",
                "--datacenters", "2", "--workers-per-dc", "1",
                "-D", "stampede.jobs.datacenter-silence=" + SILENCE.toSeconds() + "s");
        assertThat(up.exitCode()).as(up.toString()).isZero();
        JsonNode state = JSON.readTree(directory.resolve(".stampede/local/cluster.json").toFile());
        for (JsonNode node : state.get("nodes")) {
            if (node.get("role").asText().equals("gate")) {
                gateUrl = "http://127.0.0.1:" + node.get("httpPort").asInt();
            }
            if (node.get("id").asText().equals("manager-dc2-1")) {
                dc2ManagerPid = node.at("/process/pid").asLong();
            }
        }
        target = TargetServer.start();
        await().atMost(60, TimeUnit.SECONDS).until(() -> Command.getJson(gateUrl + "/api/v1/datacenters")
                .findValues("healthy").stream().filter(JsonNode::asBoolean).count() == 2);
    }

    @AfterAll
    static void stopCluster() {
        Command.stopCluster(directory, target);
    }

    /** Writes a job to a file and submits it with {@code stampede submit}, as a user would; returns its id. */
    private static String submit(String name, String yaml) throws Exception {
        Path job = directory.resolve(name + ".yaml");
        Files.writeString(job, yaml);
        Command.Result submitted = Command.stampede(directory, Duration.ofMinutes(1), "submit", "--gate=" + gateUrl,
                job.toString());
        assertThat(submitted.exitCode()).as(submitted.toString()).isZero();
        return submitted.out().strip();
    }

    @Test
    @org.junit.jupiter.api.Order(1)
    void aDatacenterWhoseManagersAreAllGoneIsLostAndTheJobEndsWithTheOthersFigures() throws Exception {
        String id = submit("long", """
                name: long
                datacenters: [dc1, dc2]
                workflows:
                  - name: steady
                    vus: 2
                    duration: 5m
                    steps: [{name: get, request: {url: "%s"}}]
                """.formatted(target.url("/delay/20")));
        JsonNode running = Command.job(gateUrl, id, Duration.ofSeconds(60), directory, "run in both datacenters",
                job -> JobStatuses.terminal(job.get("status").asText())
                        || job.at("/datacenters/dc1/status").asText().equals("RUNNING")
                                && job.at("/datacenters/dc2/status").asText().equals("RUNNING"));
        assertThat(JobStatuses.terminal(running.get("status").asText()))
                .as("the job ended before it ran in both datacenters: %s", Command.described(gateUrl, id, directory))
                .isFalse();

        long killedAt = System.nanoTime();
        ProcessHandle.of(dc2ManagerPid).orElseThrow().destroyForcibly();

        // Ended within the silence limit and 10 s, not at its 5 minutes.
        JsonNode ended = Command.ended(gateUrl, id, SILENCE.plusSeconds(10), directory);
        double endedAfter = (System.nanoTime() - killedAt) / 1e9;
        System.out.printf("Silent datacenter: dc2's only manager killed; the job ended %s %.1f s later"
                + " (silence limit %d s)%n", ended.get("status").asText(), endedAfter, SILENCE.toSeconds());
        assertThat(ended.get("status").asText()).isEqualTo("FAILED");
        assertThat(ended.at("/datacenters/dc2/status").asText()).isEqualTo("LOST");
        assertThat(ended.at("/errors/dc2").asText()).contains("datacenter dc2 was lost");
        // dc1 was stopped, and its figures are in the job's.
        assertThat(ended.at("/datacenters/dc1/statistics/0/steps/0/requests").asLong()).isPositive();
        assertThat(ended.at("/workflows/0/steps/0/requests").asLong())
                .isGreaterThanOrEqualTo(ended.at("/datacenters/dc1/statistics/0/steps/0/requests").asLong());

        Command.Result watch = Command.stampede(directory, Duration.ofMinutes(1), "watch", "--gate=" + gateUrl, id);
        assertThat(watch.exitCode()).as(watch.toString()).isEqualTo(11);
        assertThat(watch.out()).contains("dc2        LOST", "error dc2: datacenter dc2 was lost");
    }

    /** Then: dc2's manager started again, a job that needs one datacenter of two loses dc2 and is PARTIAL. */
    @Test
    @org.junit.jupiter.api.Order(2)
    void aJobThatNeedsOneDatacenterOfTwoEndsPartialWhenTheOtherIsLost() throws Exception {
        Command.Result restarted = Command.stampede(directory, Duration.ofMinutes(3), "local", "restart", "manager-dc2-1");
        assertThat(restarted.exitCode()).as(restarted.toString()).isZero();
        long manager = Command.node(directory, "manager-dc2-1").at("/process/pid").asLong();
        await().atMost(60, TimeUnit.SECONDS).until(() -> Command.getJson(gateUrl + "/api/v1/datacenters")
                .findValues("healthy").stream().filter(JsonNode::asBoolean).count() == 2);
        String id = submit("partial", """
                name: partial
                datacenters: [dc1, dc2]
                minDatacenters: 1
                workflows:
                  - name: steady
                    vus: 2
                    duration: 20s
                    steps: [{name: get, request: {url: "%s"}}]
                """.formatted(target.url("/delay/26")));
        Command.job(gateUrl, id, Duration.ofSeconds(60), directory, "run in dc2",
                job -> job.at("/datacenters/dc2/status").asText().equals("RUNNING"));

        ProcessHandle.of(manager).orElseThrow().destroyForcibly();

        JsonNode ended = Command.ended(gateUrl, id, Duration.ofSeconds(60), directory);
        System.out.printf("Partial job: dc2 lost mid-job, dc1 ran on: %s, dc1 %s with %d requests%n",
                ended.get("status").asText(), ended.at("/datacenters/dc1/status").asText(),
                ended.at("/datacenters/dc1/statistics/0/steps/0/requests").asLong());
        assertThat(ended.get("status").asText()).isEqualTo("PARTIAL");
        assertThat(ended.at("/datacenters/dc1/status").asText()).as("not stopped: it completed its part")
                .isEqualTo("COMPLETED");
        assertThat(ended.at("/datacenters/dc2/status").asText()).isEqualTo("LOST");
        Command.Result watch = Command.stampede(directory, Duration.ofMinutes(1), "watch", "--gate=" + gateUrl, id);
        assertThat(watch.exitCode()).as(watch.toString()).isEqualTo(15);
    }
}
