package io.stampede.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.stampede.local.Processes;
import io.stampede.model.JobId;
import io.stampede.model.Topics;
import io.stampede.model.job.LoadShare;
import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.Payload;
import io.stampede.model.wire.Subject;
import io.stampede.testkit.KafkaProbe;
import io.stampede.testkit.TargetServer;

/**
 * Nodes forget finished jobs: 300 short jobs through the gate of a real local cluster (one gate,
 * one manager, one worker), with a short retention. After each batch the gate's, the manager's and
 * the worker's ledgers hold no job whole ({@code stampede_jobs_retained} back to 0) and at most the
 * tombstone bound of ids, and the heap after a full GC does not grow with the number of jobs; a
 * redelivered submission of a released job runs nothing. The figures are printed
 * (docs/benchmarks.md records them).
 */
class LedgerSoakTest {

    static final int JOBS = 300;
    static final int BATCH = 100;
    static final int IN_FLIGHT = 16;
    static final int TOMBSTONES = 150;
    static final ObjectMapper JSON = new ObjectMapper();

    static Path directory;
    static TargetServer target;
    static String gateUrl;
    static String bootstrapServers;
    /** The last job run (its tombstone is the newest): sent again at the end, as a redelivered submission. */
    static String lastJob;
    /** The first job run: released long ago, its results kept on the results topic. */
    static String firstJob;
    static String lastSpec;
    /** Submissions answered 503 with Retry-After and sent again. */
    static int retriedSubmissions;
    /** Role to its HTTP URL and pid. */
    static final Map<String, Map.Entry<String, Long>> nodes = new LinkedHashMap<>();

    @BeforeAll
    static void startCluster() throws Exception {
        directory = Files.createTempDirectory("stampede-soak-");
        Command.Result up = Command.stampede(directory, Duration.ofMinutes(3), "local", "up", "--datacenters", "1",
                "--workers-per-dc", "1", "-D", "stampede.jobs.retention=3s", "-D", "stampede.jobs.tombstones=" + TOMBSTONES,
                // It measures memory over 300 jobs as fast as they run, not a client's rate limits or
                // a gate's shedding.
                "-D", "stampede.overload.rate-limit=false", "-D", "stampede.overload.shedding=false");
        assertThat(up.exitCode()).as(up.toString()).isZero();
        JsonNode state = JSON.readTree(directory.resolve(".stampede/local/cluster.json").toFile());
        for (JsonNode node : state.get("nodes")) {
            nodes.put(node.get("role").asText(), Map.entry("http://127.0.0.1:" + node.get("httpPort").asInt(),
                    node.at("/process/pid").asLong()));
        }
        gateUrl = nodes.get("gate").getKey();
        bootstrapServers = state.get("bootstrapServers").asText();
        target = TargetServer.start();
        await().atMost(60, TimeUnit.SECONDS).until(() -> Command.getJson(gateUrl + "/api/v1/datacenters")
                .findValues("healthy").stream().anyMatch(JsonNode::asBoolean));
    }

    @AfterAll
    static void stopCluster() {
        Command.stopCluster(directory, target);
    }

    @Test
    void nodesReleaseFinishedJobsAndTheHeapDoesNotGrowWithThem() throws Exception {
        HttpClient http = new KeyedHttpClient(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build());
        Map<Integer, Long> heap = new LinkedHashMap<>();
        long began = System.nanoTime();
        for (int done = 0; done < JOBS; done += BATCH) {
            runJobs(http, done, BATCH);
            for (Map.Entry<String, Map.Entry<String, Long>> node : nodes.entrySet()) {
                String url = node.getValue().getKey();
                await().atMost(30, TimeUnit.SECONDS).pollInterval(200, TimeUnit.MILLISECONDS).untilAsserted(() -> {
                    String metrics = get(http, url + "/q/metrics");
                    assertThat(gauge(metrics, "stampede_jobs_retained")).as(node.getKey() + " retained").isZero();
                    assertThat(gauge(metrics, "stampede_jobs_tombstones")).as(node.getKey() + " tombstones")
                            .isBetween(1.0, (double) TOMBSTONES);
                });
            }
            long total = 0;
            for (Map.Entry<String, Map.Entry<String, Long>> node : nodes.entrySet()) {
                long used = heapAfterFullGc(node.getValue().getValue(), node.getKey() + "-after-" + (done + BATCH));
                System.out.printf("after %d jobs: %s live heap after full GC %.1f MiB%n", done + BATCH, node.getKey(),
                        used / 1048576.0);
                total += used;
            }
            heap.put(done + BATCH, total);
        }
        System.out.printf("%d jobs in %.1f s (%d submissions waited out a 503); heap after full GC, gate + manager +"
                + " worker: %s (MiB by jobs run)%n", JOBS, (System.nanoTime() - began) / 1e9, retriedSubmissions,
                heap.entrySet().stream()
                        .map(entry -> entry.getKey() + ": " + String.format("%.1f", entry.getValue() / 1048576.0)).toList());
        assertThat(target.requests("/soak")).isEqualTo(JOBS);
        redeliveredSubmissionOfAReleasedJobIsTurnedAway(http);
        releasedJobsAreServedFromTheResultsTopic(http);
        long growth = heap.get(JOBS) - heap.get(BATCH);
        System.out.printf("heap growth from %d to %d jobs: %.1f KiB, %.1f KiB per job%n", BATCH, JOBS, growth / 1024.0,
                growth / 1024.0 / (JOBS - BATCH));
        assertThat(growth).as("heap growth from %d to %d jobs, bytes", BATCH, JOBS).isLessThan(4L << 20);
    }

    /**
     * Runs {@code count} one-request jobs, at most {@link #IN_FLIGHT} at a time, each followed to
     * its end through its event stream (opened right after the submission, well within the
     * retention), and checks each completed.
     */
    private static void runJobs(HttpClient http, int first, int count) throws Exception {
        Deque<CompletableFuture<String>> running = new ArrayDeque<>();
        for (int i = first; i < first + count; i++) {
            String spec = """
                    name: soak-%d
                    workflows:
                      - name: w
                        vus: 1
                        iterations: 1
                        steps: [{name: get, request: {url: "%s"}}]
                    """.formatted(i, target.url("/soak"));
            // A 503 with Retry-After (the manager overloaded for a moment, say by the full GCs this
            // test forces between batches) is waited out as asked, as the command line does.
            java.util.concurrent.atomic.AtomicReference<HttpResponse<String>> answer =
                    new java.util.concurrent.atomic.AtomicReference<>();
            await().atMost(60, TimeUnit.SECONDS).pollDelay(Duration.ZERO).pollInterval(Duration.ofSeconds(2)).until(() -> {
                answer.set(http.send(HttpRequest.newBuilder(URI.create(gateUrl + "/api/v1/jobs"))
                        .header("Content-Type", "application/yaml").POST(HttpRequest.BodyPublishers.ofString(spec))
                        .build(), HttpResponse.BodyHandlers.ofString()));
                boolean retryLater = answer.get().statusCode() == 503
                        && answer.get().headers().firstValue("Retry-After").isPresent();
                if (retryLater) {
                    retriedSubmissions++;
                }
                return !retryLater;
            });
            HttpResponse<String> accepted = answer.get();
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
            String id = JSON.readTree(accepted.body()).get("id").asText();
            lastJob = id;
            if (firstJob == null) {
                firstJob = id;
            }
            lastSpec = spec;
            running.add(http.sendAsync(HttpRequest.newBuilder(URI.create(gateUrl + "/api/v1/jobs/" + id + "/events"))
                    .build(), HttpResponse.BodyHandlers.ofLines()).thenApply(events -> finalStatus(id, events.body())));
            if (running.size() >= IN_FLIGHT) {
                assertThat(running.poll().get(60, TimeUnit.SECONDS)).isEqualTo("COMPLETED");
            }
        }
        while (!running.isEmpty()) {
            assertThat(running.poll().get(60, TimeUnit.SECONDS)).isEqualTo("COMPLETED");
        }
    }

    /** The status in the last event of a job's stream (the stream ends with the job). */
    private static String finalStatus(String id, Stream<String> lines) {
        String last = lines.filter(line -> line.startsWith("data:")).reduce((a, b) -> b).orElse("");
        try {
            return last.isEmpty() ? "no events for " + id : JSON.readTree(last.substring(5)).path("status").asText();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * The manager has released the last job and keeps its tombstone: the same submission read
     * again (as after a redelivery) is dropped as ENDED_JOB and runs nothing.
     */
    private static void redeliveredSubmissionOfAReleasedJobIsTurnedAway(HttpClient http) {
        String manager = nodes.get("manager").getKey();
        try (KafkaProbe kafka = Command.kafkaProbe(directory, bootstrapServers)) {
            kafka.send(Topics.jobs("dc1"), Envelope.of(Subject.job(JobId.of(lastJob)), "gate-again", 1, 1,
                    System.currentTimeMillis(), new Payload.JobSubmitted("dc1", lastSpec,
                            Map.of("w", new LoadShare(1, 0, 0, 1)), 0)));
        }
        await().atMost(30, TimeUnit.SECONDS).until(() -> get(http, manager + "/q/metrics").lines()
                .anyMatch(line -> line.startsWith("stampede_records_dropped_total{") && line.contains("ENDED_JOB")
                        && line.contains(Topics.jobs("dc1"))));
        assertThat(target.requests("/soak")).as("nothing ran again").isEqualTo(JOBS);
    }

    /** The gate no longer holds a job it released, and answers for it, and lists it, from the results topic. */
    private static void releasedJobsAreServedFromTheResultsTopic(HttpClient http) throws Exception {
        JsonNode first = JSON.readTree(get(http, gateUrl + "/api/v1/jobs/" + firstJob));
        assertThat(first.path("status").asText()).as(first.toString()).isEqualTo("COMPLETED");
        assertThat(first.at("/workflows/0/steps/0/requests").asLong()).isEqualTo(1);
        await().atMost(30, TimeUnit.SECONDS).untilAsserted(() -> assertThat(JSON.readTree(get(http, gateUrl
                + "/api/v1/jobs?status=completed&size=1")).path("total").asInt()).as("every job, from the results topic")
                .isEqualTo(JOBS));
    }

    /**
     * The node's live heap: {@code jcmd GC.class_histogram} runs a full GC and then counts the
     * objects left, so what the node allocates afterwards (answering a metrics scrape, say) is not
     * counted, as it was when the heap in use was read from its metrics after {@code GC.run}. The
     * histogram is kept as {@code target/soak-histograms/NAME.txt}, to diff what grew.
     */
    private static long heapAfterFullGc(long pid, String name) throws Exception {
        Path jcmd = Path.of(Processes.javaExecutable()).resolveSibling("jcmd");
        Process histogram = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.class_histogram")
                .redirectErrorStream(true).start();
        String out = new String(histogram.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(histogram.waitFor(60, TimeUnit.SECONDS)).isTrue();
        Path kept = Path.of("target", "soak-histograms", name + ".txt");
        Files.createDirectories(kept.getParent());
        Files.writeString(kept, out);
        Matcher total = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)\\s*$").matcher(out);
        assertThat(total.find()).as("a class histogram of " + pid + ": " + out.lines().limit(5).toList()).isTrue();
        return Long.parseLong(total.group(1));
    }

    private static double gauge(String metrics, String name) {
        Matcher matcher = Pattern.compile("(?m)^" + name + "(\\{[^}]*})? ([0-9.E+-]+)").matcher(metrics);
        assertThat(matcher.find()).as(name + " in the metrics").isTrue();
        return Double.parseDouble(matcher.group(2));
    }

    private static String get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}
