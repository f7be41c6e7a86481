package io.stampede.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.stampede.testkit.TargetServer;

/**
 * Restarts are normal events: on a local cluster of one datacenter (one manager, two workers),
 * nodes are restarted under their ids with {@code stampede local restart} while a job runs, and a
 * worker is paused until its share re-runs elsewhere. Each scenario leaves every node ready.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RestartTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static Path directory;
    static TargetServer target;
    static String gateUrl;
    static String managerUrl;

    @BeforeAll
    static void startCluster() throws Exception {
        directory = Files.createTempDirectory("stampede-restart-");
        Command.Result up = Command.stampede(directory, Duration.ofMinutes(3), "local", "up",
                "--datacenters", "1", "--workers-per-dc", "2");
        assertThat(up.exitCode()).as(up.toString()).isZero();
        gateUrl = url("gate-1");
        managerUrl = url("manager-dc1-1");
        target = TargetServer.start();
        awaitTwoWorkers();
    }

    @AfterAll
    static void stopCluster() {
        Command.stopCluster(directory, target);
    }

    private static JsonNode node(String id) {
        return Command.node(directory, id);
    }

    private static String url(String id) throws Exception {
        return "http://127.0.0.1:" + node(id).get("httpPort").asInt();
    }

    /** A node's log (the state file holds it as a file: URI). */
    private static Path log(String id) throws Exception {
        return Path.of(URI.create(node(id).get("log").asText()));
    }

    private static long pid(String id) throws Exception {
        return node(id).at("/process/pid").asLong();
    }

    private static void awaitTwoWorkers() {
        await().atMost(60, TimeUnit.SECONDS).until(() -> Command.getJson(managerUrl + "/api/v1/workers")
                .get("workers").size() == 2);
        await().atMost(60, TimeUnit.SECONDS).until(() -> Command.getJson(gateUrl + "/api/v1/datacenters")
                .findValues("healthy").stream().anyMatch(JsonNode::asBoolean));
    }

    private static String submit(String name, String path, String duration) throws Exception {
        String spec = """
                name: %s
                workflows:
                  - name: steady
                    vus: 4
                    duration: %s
                    steps: [{name: get, request: {url: "%s"}}]
                """.formatted(name, duration, target.url(path));
        return Command.submit(gateUrl, spec);
    }

    private static JsonNode ended(String id) throws Exception {
        return Command.ended(gateUrl, id, Duration.ofSeconds(90), directory);
    }

    private static Command.Result restart(String id) {
        Command.Result restarted = Command.stampede(directory, Duration.ofMinutes(3), "local", "restart", id);
        assertThat(restarted.exitCode()).as(restarted.toString()).isZero();
        assertThat(restarted.out()).contains("Stopping " + id, id + " is ready again");
        return restarted;
    }

    @Test
    @Order(1)
    void restartingAnUnknownNodeSaysWhichNodesThereAre() {
        Command.Result restarted = Command.stampede(directory, Duration.ofMinutes(1), "local", "restart", "worker-dc9-1");
        assertThat(restarted.exitCode()).isEqualTo(1);
        assertThat(restarted.err()).contains("no node worker-dc9-1", "gate-1", "manager-dc1-1", "worker-dc1-2");
    }

    @Test
    @Order(2)
    void theOnlyManagerRestartedMidJobRebuildsTheJobFromItsTopicsAndCountsExactly() throws Exception {
        String id = submit("manager restart", "/delay/21", "20s");
        await().atMost(30, TimeUnit.SECONDS).until(() -> target.requests("/delay/21") > 100);
        long before = pid("manager-dc1-1");

        restart("manager-dc1-1");

        assertThat(pid("manager-dc1-1")).isNotEqualTo(before);
        JsonNode job = ended(id);
        long reported = job.at("/workflows/0/steps/0/requests").asLong();
        System.out.printf("Manager restarted mid-job (the datacenter's only one): the job ended %s; %d requests"
                + " reported, the target counted %d%n", job.get("status").asText(), reported,
                target.requests("/delay/21"));
        assertThat(job.get("status").asText()).isEqualTo("COMPLETED");
        assertThat(reported).isEqualTo(target.requests("/delay/21"));
        assertThat(job.has("unaccounted")).as(job.toString()).isFalse();
        // On the job's timeline: the restarted manager leads dc1 again, under a new term.
        assertThat(job.path("events").findValuesAsText("kind")).as(job.path("events").toString()).contains("leader");
        assertThat(job.path("events").toString()).containsPattern("manager-dc1-1 leads dc1 for the job now \\(term \\d+\\),"
                + " after manager-dc1-1 \\(term \\d+\\)");
    }

    @Test
    @Order(3)
    void aWorkerRestartedMidJobIsHeardAgainItsEarlierShareReRunsAndTheGapIsDeclared() throws Exception {
        awaitTwoWorkers();
        String id = submit("worker restart", "/delay/22", "25s");
        await().atMost(30, TimeUnit.SECONDS).until(() -> target.requests("/delay/22") > 100);

        restart("worker-dc1-2");

        JsonNode job = ended(id);
        long reported = job.at("/workflows/0/steps/0/requests").asLong();
        long counted = target.requests("/delay/22");
        long atMost = job.at("/unaccounted/requestsAtMost").asLong();
        System.out.printf("Worker restarted mid-job: the job ended %s; %d requests reported, the target counted %d,"
                + " at most %d declared unaccounted; %s%n", job.get("status").asText(), reported, counted, atMost,
                job.at("/errors").toString());
        assertThat(job.get("status").asText()).isEqualTo("COMPLETED");
        assertThat(job.at("/errors").toString()).contains("worker worker-dc1-2 was lost", "re-ran on worker-dc1-");
        assertThat(job.at("/unaccounted/workers").toString()).contains("worker-dc1-2");
        // On the job's timeline, when the manager decided it, by whichever came first: the new process's first
        // heartbeat, the killed one's silence passing stampede.jobs.worker-silence (8-11 s after the kill: its
        // last heartbeat was up to 2 s earlier; the new JVM may take longer to start on a busy machine), or
        // membership declaring the killed process dead.
        assertThat(job.path("events").toString()).as("the timeline").contains("\"kind\":\"re-run\"",
                "\"datacenter\":\"dc1\"").containsPattern("worker worker-dc1-2 was lost \\((it restarted|it sent no"
                + " heartbeat for 10 s|membership declared it DEAD)\\); its share \\(");
        assertThat(counted).isBetween(reported, reported + atMost);
        // Its VUs (split by free cores) at one request per 22 ms or more: the bound is at most 2.5
        // windows of them, a window being 1 s, or longer while the manager asked for backpressure.
        java.util.regex.Matcher share = java.util.regex.Pattern.compile("its share \\((\\d+) VUs\\)")
                .matcher(job.at("/errors").toString());
        assertThat(share.find()).isTrue();
        int vus = Integer.parseInt(share.group(1));
        long windowSeconds = io.stampede.model.load.Backpressure.valueOf(
                job.at("/datacenters/dc1/strongestBackpressure").asText()).window().toSeconds();
        assertThat(atMost).isPositive()
                .isLessThanOrEqualTo((long) Math.ceil(io.stampede.model.stats.Unaccounted.WINDOWS_AT_RISK * windowSeconds
                        * vus * 1000 / 22.0) + 5);
        // The restarted worker takes work again.
        awaitTwoWorkers();
    }

    @Test
    @Order(4)
    void aPausedWorkerWhoseShareReRanStopsItWhenItResumesAndNothingIsCountedTwice() throws Exception {
        awaitTwoWorkers();
        String workerUrl = url("worker-dc1-2");
        String id = submit("paused worker", "/delay/23", "45s");
        await().atMost(30, TimeUnit.SECONDS).until(() -> target.requests("/delay/23") > 100);
        long late = Command.metric(managerUrl, "stampede_records_dropped_total", "reason=\"LATE\"");
        Path log = log("worker-dc1-2");

        long pid = pid("worker-dc1-2");
        assertThat(new ProcessBuilder("kill", "-STOP", Long.toString(pid)).start().waitFor()).isZero();
        long resumed;
        try {
            // Paused until its manager has given its share up and re-run it on the other worker.
            Path otherLog = log("worker-dc1-1");
            await().atMost(60, TimeUnit.SECONDS).until(() -> Files.readString(otherLog)
                    .contains("running share " + id + "/steady@worker-dc1-1#1"));
        } finally {
            assertThat(new ProcessBuilder("kill", "-CONT", Long.toString(pid)).start().waitFor()).isZero();
            resumed = System.nanoTime();
        }

        // It reads the stop the leader sent when it gave the share up, and stops.
        await().atMost(20, TimeUnit.SECONDS).until(() -> Files.readString(log)
                .contains("share " + id + "/steady@worker-dc1-2#0 ended: CANCELLED"));
        double stoppedAfter = (System.nanoTime() - resumed) / 1e9;
        JsonNode job = ended(id);
        long reported = job.at("/workflows/0/steps/0/requests").asLong();
        long counted = target.requests("/delay/23");
        long lateWindows = Command.metric(managerUrl, "stampede_records_dropped_total", "reason=\"LATE\"") - late;
        System.out.printf("Worker paused (SIGSTOP) until its share re-ran elsewhere, then resumed: it stopped its"
                + " share %.1f s later; %d of its windows came late and were not counted; the job ended %s with %d"
                + " requests reported, the target counted %d (%d sent by it and not counted), at most %d declared%n",
                stoppedAfter, lateWindows, job.get("status").asText(), reported, counted, counted - reported,
                job.at("/unaccounted/requestsAtMost").asLong());
        assertThat(job.get("status").asText()).isEqualTo("COMPLETED");
        assertThat(job.at("/errors").toString()).contains("worker worker-dc1-2 was lost", "re-ran on worker-dc1-1");
        assertThat(job.at("/unaccounted/workers").toString()).contains("worker-dc1-2");
        assertThat(counted).as("nothing counted twice").isGreaterThanOrEqualTo(reported);
        // Within about a window of resuming: it polls the dispatch topic, sees the stop, and stops.
        assertThat(stoppedAfter).isLessThan(2);
        // Late windows: the one open when it was paused, the one cut when its timer fires on resuming,
        // and the last, partial one when the share stops; never counted.
        assertThat(lateWindows).isLessThanOrEqualTo(3);
        // It is a live worker again once membership hears it.
        awaitTwoWorkers();
        assertThat(Command.getJson(workerUrl + "/q/health/ready").get("status").asText()).isEqualTo("UP");
    }

    @Test
    @Order(5)
    void aWorkerStoppedGracefullyMidJobStopsItsLoadAndReportsItsLastWindowsFirst() throws Exception {
        awaitTwoWorkers();
        String id = submit("graceful worker restart", "/delay/24", "25s");
        await().atMost(30, TimeUnit.SECONDS).until(() -> target.requests("/delay/24") > 100);
        Path log = log("worker-dc1-2");

        Command.Result restarted = Command.stampede(directory, Duration.ofMinutes(3), "local", "restart", "--graceful",
                "worker-dc1-2");
        assertThat(restarted.exitCode()).as(restarted.toString()).isZero();

        // Its old process stopped its share's load and the broker took its last windows before it left.
        assertThat(Files.readString(log)).contains("share " + id + "/steady@worker-dc1-2#0 stopped: this worker is"
                + " shutting down", "shutting down: stopped 1 running share(s) and reported their last windows")
                .doesNotContain("share " + id + "/steady@worker-dc1-2#0 ended");
        JsonNode job = ended(id);
        long reported = job.at("/workflows/0/steps/0/requests").asLong();
        long counted = target.requests("/delay/24");
        System.out.printf("Worker stopped with SIGTERM mid-job: it stopped its share and reported its last windows"
                + " first; the job ended %s; %d requests reported, the target counted %d, at most %d declared%n",
                job.get("status").asText(), reported, counted, job.at("/unaccounted/requestsAtMost").asLong());
        assertThat(job.get("status").asText()).isEqualTo("COMPLETED");
        assertThat(job.at("/errors").toString()).contains("worker worker-dc1-2 was lost", "re-ran on worker-dc1-");
        assertThat(counted).isBetween(reported, reported + job.at("/unaccounted/requestsAtMost").asLong());
        awaitTwoWorkers();
    }
}
