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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.stampede.local.Processes;
import io.stampede.testkit.TargetServer;

/**
 * A benchmark, not part of the suite (its name does not end in Test). On a local cluster (a gate,
 * one datacenter, a manager and two workers), it submits jobs one after another and prints:
 * <ul>
 * <li>submission to first request: from sending {@code POST /api/v1/jobs} to the target receiving
 * the job's first request;</li>
 * <li>progress latency: from the target receiving the n-th request of a job to the client
 * receiving a Server-Sent Event that counts n requests (a worker window, the manager's merge, the
 * gate's merge, the event stream).</li>
 * </ul>
 * Run: {@code mvn -B -pl e2e test -Dtest=JobLatencyBenchmark -Dsurefire.failIfNoSpecifiedTests=false [-Djobs=20]}.
 */
class JobLatencyBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void measure() throws Exception {
        int jobs = Integer.getInteger("jobs", 20);
        Path directory = Files.createTempDirectory("stampede-bench-");
        try (TargetServer target = TargetServer.start()) {
            Command.Result up = Command.stampede(directory, Duration.ofMinutes(3), "local", "up", "--datacenters", "1");
            assertThat(up.exitCode()).as(up.toString()).isZero();
            String gate = gateUrl(directory);
            HttpClient http = new KeyedHttpClient(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build());
            await().atMost(30, TimeUnit.SECONDS).until(() -> JSON.readTree(get(http, gate + "/api/v1/datacenters"))
                    .findValues("healthy").stream().anyMatch(JsonNode::asBoolean));

            List<Double> firstRequest = new ArrayList<>();
            List<Double> progress = new ArrayList<>();
            for (int i = 0; i < jobs; i++) {
                String path = "/tag/job-" + i;
                String spec = """
                        name: latency-%d
                        workflows:
                          - name: w
                            vus: 2
                            duration: 4s
                            steps: [{name: get, request: {url: "%s"}, think: 20ms}]
                        """.formatted(i, target.url(path));
                long submitted = System.nanoTime();
                HttpResponse<String> accepted = http.send(HttpRequest.newBuilder(URI.create(gate + "/api/v1/jobs"))
                        .header("Content-Type", "application/yaml").POST(HttpRequest.BodyPublishers.ofString(spec)).build(),
                        HttpResponse.BodyHandlers.ofString());
                String id = JSON.readTree(accepted.body()).get("id").asText();
                HttpResponse<Stream<String>> events = http.send(HttpRequest.newBuilder(
                        URI.create(gate + "/api/v1/jobs/" + id + "/events")).build(), HttpResponse.BodyHandlers.ofLines());
                events.body().filter(line -> line.startsWith("data:")).forEach(line -> {
                    long received = System.nanoTime();
                    long counted = requests(line.substring(5));
                    List<Long> arrivals = target.arrivals(path);
                    if (counted > 0 && counted <= arrivals.size()) {
                        progress.add((received - arrivals.get((int) counted - 1)) / 1e6);
                    }
                });
                firstRequest.add((target.arrivals(path).get(0) - submitted) / 1e6);
            }
            System.out.printf("%d jobs: submission to first request p50 %.0f ms, p99 %.0f ms; progress latency over %d"
                    + " events p50 %.0f ms, p99 %.0f ms%n", jobs, percentile(firstRequest, 50), percentile(firstRequest, 99),
                    progress.size(), percentile(progress, 50), percentile(progress, 99));
        } finally {
            Command.stampede(directory, Duration.ofMinutes(2), "local", "down");
            Command.localClusterProcesses(directory).forEach(process -> Processes.stop(process, Duration.ofSeconds(5)));
        }
    }

    private static long requests(String json) {
        try {
            long total = 0;
            for (JsonNode workflow : JSON.readTree(json).path("workflows")) {
                for (JsonNode step : workflow.path("steps")) {
                    total += step.path("requests").asLong();
                }
            }
            return total;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static double percentile(List<Double> values, double percentile) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int index = (int) Math.ceil(percentile / 100 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    private static String gateUrl(Path directory) throws Exception {
        for (JsonNode node : JSON.readTree(directory.resolve(".stampede/local/cluster.json").toFile()).get("nodes")) {
            if (node.get("role").asText().equals("gate")) {
                return "http://127.0.0.1:" + node.get("httpPort").asInt();
            }
        }
        throw new AssertionError("no gate");
    }

    private static String get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}
