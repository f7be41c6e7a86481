package io.stampede.worker.messaging;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.stampede.model.JobId;
import io.stampede.model.Topics;
import io.stampede.model.lifecycle.ShareState;
import io.stampede.model.wire.Subject;
import io.stampede.model.job.LoadShare;
import io.stampede.model.stats.StepWindow;
import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.Payload;
import io.stampede.testkit.KafkaBrokerResource;
import io.stampede.testkit.KafkaProbe;
import io.stampede.testkit.SharedKafka;
import io.stampede.testkit.TargetServer;

/**
 * The worker on the real broker: dispatch records in, load out, windows and a final result back
 * on the progress topic. Scenarios share one broker, one worker and one target; each uses its
 * own job id and target path.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerResource.class)
class DispatchFlowTest {

    static final String DISPATCH = Topics.dispatch("dc1");
    static final String PROGRESS = Topics.progress("dc1");

    static TargetServer target;
    static KafkaProbe kafka;
    static KafkaProbe.Watch progress;

    @BeforeAll
    static void start() {
        ShareState.TABLE.forgetVisits();
        target = TargetServer.start();
        kafka = new KafkaProbe(SharedKafka.bootstrapServers());
        progress = kafka.watch(PROGRESS);
    }

    /** The worker's share lifecycle: every move of the table is made by this class's scenarios. */
    @AfterAll
    static void everyShareMoveWasMade() {
        assertThat(ShareState.TABLE.unvisited()).as("share moves no test makes").isEmpty();
    }

    @AfterAll
    static void stop() {
        kafka.close();
        target.close();
    }

    private static String spec(String path, String load) {
        return """
                name: dispatched
                workflows:
                  - name: w
                    %s
                    steps: [{name: get, request: {url: "%s"}}]
                """.formatted(load, target.url(path));
    }

    private static Envelope dispatch(String jobId, String worker, long sequence, String spec, LoadShare share) {
        return Envelope.of(Subject.job(JobId.of(jobId)), "manager-dc1-1", 7, sequence, System.currentTimeMillis(),
                new Payload.WorkflowDispatched("w", worker, spec, share, Map.of(), 0));
    }

    private static Payload.WorkflowFinished finished(String jobId) {
        await().atMost(30, TimeUnit.SECONDS).until(() -> progress.about(jobId).stream()
                .anyMatch(envelope -> envelope.payload() instanceof Payload.WorkflowFinished));
        return progress.about(jobId).stream().map(Envelope::payload)
                .filter(Payload.WorkflowFinished.class::isInstance).map(Payload.WorkflowFinished.class::cast)
                .findFirst().orElseThrow();
    }

    @Test
    void runsADispatchedShareAndReportsWindowsAndAResultUnderItsFence() {
        kafka.send(DISPATCH, dispatch("job-run", "worker-test", 1, spec("/ok?job=run", "vus: 3\n    iterations: 4"),
                new LoadShare(3, 0, 0, 1)));

        Payload.WorkflowFinished result = finished("job-run");

        assertThat(result.outcome()).isEqualTo(ShareState.COMPLETED);
        assertThat(result.worker()).isEqualTo("worker-test");
        StepWindow get = result.totals().steps().get(0);
        assertThat(get.requests()).isEqualTo(12).isEqualTo(target.requests("/ok"));
        List<Envelope> records = progress.about("job-run");
        long windowed = records.stream().map(Envelope::payload).filter(Payload.WorkflowWindowReported.class::isInstance)
                .map(payload -> ((Payload.WorkflowWindowReported) payload).window().steps().get(0).requests())
                .mapToLong(Long::longValue).sum();
        assertThat(windowed).isEqualTo(12);
        assertThat(records).allSatisfy(record -> assertThat(record.fence()).isEqualTo(7));
        assertThat(records).extracting(Envelope::sequence).as("one counter for all this worker sends: rising")
                .isSortedAccordingTo(Long::compare).doesNotHaveDuplicates();
    }

    @Test
    void aShareDispatchedToAnEarlierRunOfThisWorkerIsNotRunAndHeartbeatsSayWhenThisRunStarted() {
        long before = System.currentTimeMillis();
        await().atMost(10, TimeUnit.SECONDS).until(() -> progress.envelopes().stream()
                .anyMatch(envelope -> envelope.payload() instanceof Payload.WorkerHeartbeat));
        Payload.WorkerHeartbeat heartbeat = progress.envelopes().stream().map(Envelope::payload)
                .filter(Payload.WorkerHeartbeat.class::isInstance).map(Payload.WorkerHeartbeat.class::cast)
                .reduce((first, second) -> second).orElseThrow();
        assertThat(heartbeat.startedAtMillis()).isPositive().isLessThanOrEqualTo(before);

        kafka.send(DISPATCH, Envelope.of(Subject.job(JobId.of("job-earlier-run")), "manager-dc1-1", 7, 1,
                System.currentTimeMillis(), new Payload.WorkflowDispatched("w", "worker-test",
                        spec("/delay/7", "vus: 1\n    iterations: 2"), new LoadShare(1, 0, 0, 1), Map.of(), 0, 0, 0,
                        heartbeat.startedAtMillis() - 60_000)));
        kafka.send(DISPATCH, Envelope.of(Subject.job(JobId.of("job-this-run")), "manager-dc1-1", 7, 1,
                System.currentTimeMillis(), new Payload.WorkflowDispatched("w", "worker-test",
                        spec("/delay/8", "vus: 1\n    iterations: 2"), new LoadShare(1, 0, 0, 1), Map.of(), 0, 0, 0,
                        heartbeat.startedAtMillis())));

        assertThat(finished("job-this-run").totals().steps().get(0).requests()).isEqualTo(2);
        assertThat(target.requests("/delay/7")).isZero();
        assertThat(progress.about("job-earlier-run")).isEmpty();
    }

    /**
     * A record under a fence no majority of the managers has stated waits for one that has, then
     * runs. It leaves the managers' stated term at 8, above the fence 7 the other scenarios use.
     */
    @Test
    void aRecordWaitsUntilAMajorityOfTheManagersHasStatedItsFenceAsTheirTerm() {
        Subject dc1 = new Subject.Datacenter("dc1");
        kafka.send(DISPATCH, Envelope.of(dc1, "manager-dc1-1", 0, 1, System.currentTimeMillis(),
                new Payload.TermStated("dc1", 6, 1)));
        await().atMost(10, TimeUnit.SECONDS).until(() -> verifiedTerm() == 6);
        try {
            fencedRecordWaits(dc1);
        } finally {
            // Whatever happened above, the other scenarios' fence 7 is one a majority has stated.
            kafka.send(DISPATCH, Envelope.of(dc1, "manager-dc1-2", 0, 4, System.currentTimeMillis(),
                    new Payload.TermStated("dc1", 8, 3)));
            kafka.send(DISPATCH, Envelope.of(dc1, "manager-dc1-1", 0, 5, System.currentTimeMillis(),
                    new Payload.TermStated("dc1", 8, 3)));
            await().atMost(10, TimeUnit.SECONDS).until(() -> verifiedTerm() == 8);
        }
    }

    private void fencedRecordWaits(Subject dc1) {

        kafka.send(DISPATCH, Envelope.of(Subject.job(JobId.of("job-fenced")), "manager-dc1-1", 8, 1,
                System.currentTimeMillis(), new Payload.WorkflowDispatched("w", "worker-test",
                        spec("/delay/3", "vus: 1\n    iterations: 3"), new LoadShare(1, 0, 0, 1), Map.of(), 0)));
        await().during(2, TimeUnit.SECONDS).atMost(5, TimeUnit.SECONDS)
                .until(() -> target.requests("/delay/3") == 0 && progress.about("job-fenced").isEmpty());

        // Another manager of a group of three states 8: one of three is no majority; a second one is.
        kafka.send(DISPATCH, Envelope.of(dc1, "manager-dc1-2", 0, 2, System.currentTimeMillis(),
                new Payload.TermStated("dc1", 8, 3)));
        await().during(1, TimeUnit.SECONDS).atMost(5, TimeUnit.SECONDS)
                .until(() -> progress.about("job-fenced").isEmpty());
        kafka.send(DISPATCH, Envelope.of(dc1, "manager-dc1-1", 0, 3, System.currentTimeMillis(),
                new Payload.TermStated("dc1", 8, 3)));

        assertThat(finished("job-fenced").totals().steps().get(0).requests()).isEqualTo(3)
                .isEqualTo(target.requests("/delay/3"));
        assertThat(progress.about("job-fenced")).allSatisfy(record -> assertThat(record.fence()).isEqualTo(8));
    }

    /** The worker's {@code stampede_leader_term_verified}: the term a majority of dc1's managers has stated. */
    private static long verifiedTerm() {
        return given().get("/q/metrics").asString().lines()
                .filter(line -> line.startsWith("stampede_leader_term_verified{"))
                .mapToLong(line -> (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst().orElse(Long.MIN_VALUE);
    }

    @Test
    void skipsGarbageCountsItAndCarriesOn() {
        kafka.send(DISPATCH, "garbage", "this is not a record".getBytes(StandardCharsets.UTF_8));
        kafka.send(DISPATCH, "garbage", "{\"type\":\"workflow.teleported\"}".getBytes(StandardCharsets.UTF_8));
        kafka.send(DISPATCH, dispatch("job-after-garbage", "worker-test", 1,
                spec("/delay/1?job=garbage", "vus: 1\n    iterations: 2"), new LoadShare(1, 0, 0, 1)));

        assertThat(finished("job-after-garbage").totals().steps().get(0).requests()).isEqualTo(2);
        given().get("/q/metrics").then()
                .body(containsString("stampede_records_rejected_total{"))
                .body(containsString("reason=\"NOT_JSON\""))
                .body(containsString("reason=\"MISSING_FIELD\""));
        // Copied to the dead-letter topic (on in this test), as read, saying where from and why.
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(Map.of(
                "bootstrap.servers", SharedKafka.bootstrapServers(), "group.id", "dead-letter-reader",
                "auto.offset.reset", "earliest"), new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.DEAD_LETTER));
            List<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> copies = new java.util.ArrayList<>();
            await().atMost(30, TimeUnit.SECONDS).until(() -> {
                consumer.poll(java.time.Duration.ofMillis(200)).forEach(copies::add);
                return copies.stream().anyMatch(copy -> new String(copy.value(), StandardCharsets.UTF_8)
                        .equals("this is not a record"));
            });
            var copy = copies.stream().filter(record -> new String(record.value(), StandardCharsets.UTF_8)
                    .equals("this is not a record")).findFirst().orElseThrow();
            assertThat(new String(copy.headers().lastHeader("stampede.reason").value(), StandardCharsets.UTF_8))
                    .isEqualTo("NOT_JSON");
            assertThat(new String(copy.headers().lastHeader("stampede.source").value(), StandardCharsets.UTF_8))
                    .startsWith(DISPATCH + "/");
            assertThat(new String(copy.headers().lastHeader("stampede.node").value(), StandardCharsets.UTF_8))
                    .isEqualTo("worker-test");
        }
    }

    @Test
    void runsADuplicatedDispatchOnceAndIgnoresOtherWorkersDispatches() {
        Envelope once = dispatch("job-once", "worker-test", 1, spec("/delay/5", "vus: 2\n    iterations: 3"),
                new LoadShare(2, 0, 0, 1));
        kafka.send(DISPATCH, once);
        kafka.send(DISPATCH, once);
        kafka.send(DISPATCH, dispatch("job-elsewhere", "worker-other", 1, spec("/delay/6", "vus: 2\n    iterations: 3"),
                new LoadShare(2, 0, 0, 1)));

        assertThat(finished("job-once").totals().steps().get(0).requests()).isEqualTo(6);
        await().during(500, TimeUnit.MILLISECONDS).atMost(2, TimeUnit.SECONDS)
                .until(() -> target.requests("/delay/5") == 6);
        assertThat(target.requests("/delay/6")).isZero();
        assertThat(progress.about("job-elsewhere")).isEmpty();
    }

    @Test
    void aCancelStopsTheShareWithinTwoSeconds() {
        kafka.send(DISPATCH, dispatch("job-cancel", "worker-test", 1, spec("/delay/20?job=cancel", "vus: 5\n    duration: 5m"),
                new LoadShare(5, 0, 0, 1)));
        await().atMost(10, TimeUnit.SECONDS).until(() -> target.requests("/delay/20") > 10);

        long sent = System.nanoTime();
        kafka.send(DISPATCH, Envelope.of(Subject.job(JobId.of("job-cancel")), "manager-dc1-1", 7, 2, System.currentTimeMillis(),
                new Payload.WorkflowCancelRequested("w", "worker-test")));

        Payload.WorkflowFinished result = finished("job-cancel");
        double seconds = (System.nanoTime() - sent) / 1e9;
        System.out.printf("cancel record to final result: %.2f s%n", seconds);
        assertThat(result.outcome()).isEqualTo(ShareState.CANCELLED);
        assertThat(seconds).isLessThan(2.0);
    }

    @Test
    void aShareThatCannotBeReadFailsAndSaysWhy() {
        kafka.send(DISPATCH, dispatch("job-unreadable", "worker-test", 1, "name: x\nworkflows: []",
                new LoadShare(1, 0, 0, 1)));

        Payload.WorkflowFinished result = finished("job-unreadable");
        assertThat(result.outcome()).isEqualTo(ShareState.FAILED);
        assertThat(result.error()).startsWith("cannot run the dispatched workflow");
    }

    @Test
    void sendsHeartbeatsWithItsCapacity() {
        await().atMost(10, TimeUnit.SECONDS).until(() -> !progress.about("worker-test").isEmpty());
        Payload.WorkerHeartbeat heartbeat = (Payload.WorkerHeartbeat) progress.about("worker-test").get(0).payload();
        assertThat(heartbeat.datacenter()).isEqualTo("dc1");
        assertThat(heartbeat.cores()).isEqualTo(Runtime.getRuntime().availableProcessors());
    }
}
