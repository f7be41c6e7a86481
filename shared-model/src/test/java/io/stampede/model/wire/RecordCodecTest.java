package io.stampede.model.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.stampede.model.JobId;
import io.stampede.model.job.LoadShare;
import io.stampede.model.lifecycle.DatacenterJobStatus;
import io.stampede.model.lifecycle.JobStatus;
import io.stampede.model.lifecycle.ShareState;
import io.stampede.model.lifecycle.WorkflowState;
import io.stampede.model.stats.LatencyHistograms;
import io.stampede.model.stats.StepWindow;
import io.stampede.model.stats.WorkflowWindow;
import io.stampede.model.wire.RecordCodec.Rejection;
import io.stampede.model.wire.ReplayFilter.Verdict;

class RecordCodecTest {

    /** This build's version as records write it, quoted. */
    private static final String CURRENT = "\"" + ProtocolVersion.CURRENT + "\"";

    private static final Subject JOB_1 = Subject.job(JobId.of("job-1"));
    private static final Subject JOB_2 = Subject.job(JobId.of("job-2"));

    private static Envelope window(String sender, long fence, long sequence) {
        var histogram = LatencyHistograms.create();
        histogram.recordValue(1234);
        var step = new StepWindow("get", 1, 1, Map.of(), 10, 20, Map.of("status 200", new StepWindow.CheckTally(1, 0)),
                LatencyHistograms.encode(histogram));
        return Envelope.of(JOB_1, sender, fence, sequence, 1_700_000_000_000L,
                new Payload.WorkflowWindowReported("browse", sender, new WorkflowWindow("browse", 1, 2, 1, 0, 3,
                        List.of(step))));
    }

    @Test
    void everyPayloadSurvivesARoundTrip() {
        List<Envelope> envelopes = List.of(
                window("worker-1", 0, 1),
                Envelope.of(JOB_1, "gate-1", 3, 1, 5, new Payload.JobSubmitted("dc1", "name: x",
                        Map.of("browse", new LoadShare(5, 0, 0, 1)), 0)),
                Envelope.of(JOB_1, "gate-1", 3, 2, 5, new Payload.JobCancelRequested("user asked")),
                Envelope.of(JOB_1, "manager-1", 2, 1, 5, new Payload.WorkflowDispatched("browse", "worker-1",
                        "name: x", new LoadShare(0, 0.5, 10, 11), Map.of("token", "t"), 99, 1, 120, 1_700_000_000_000L)),
                Envelope.of(JOB_1, "manager-1", 2, 2, 5, new Payload.WorkflowCancelRequested("browse", "worker-1")),
                Envelope.of(JOB_1, "manager-1", 2, 6, 5, new Payload.JobEnded(DatacenterJobStatus.COMPLETED)),
                Envelope.of(JOB_1, "worker-1", 0, 2, 5, new Payload.WorkflowFinished("browse", "worker-1",
                        ShareState.COMPLETED, new WorkflowWindow("browse", 1, 2, 0, 0, 0, List.of()), Map.of("t", "v"), "")),
                Envelope.of(new Subject.Node("worker-1"), "worker-1", 0, 7, 5, new Payload.WorkerHeartbeat("worker-1", "dc1", 2, 2,
                        "0.1.0", 1_700_000_000_000L)),
                Envelope.of(JOB_1, "manager-1", 2, 3, 5, new Payload.DatacenterProgress("dc1",
                        Map.of("browse", WorkflowState.RUNNING), Map.of("browse", List.of(new WorkflowWindow("browse", 1, 2, 0, 0, 0,
                                List.of()))))),
                Envelope.of(JOB_1, "manager-1", 2, 4, 5, new Payload.DatacenterFinished("dc1", DatacenterJobStatus.FAILED,
                        Map.of("browse", WorkflowState.FAILED), Map.of(), Map.of("browse", "worker lost"),
                        new io.stampede.model.stats.Unaccounted(30, List.of("worker-1"), "lost"))),
                Envelope.of(new Subject.Datacenter("dc1"), "manager-1", 2, 5, 5, new Payload.DatacenterStatus("dc1", "manager-1", 2, 4, 3, 1)),
                Envelope.of(new Subject.Datacenter("dc1"), "manager-2", 0, 6, 5, new Payload.TermStated("dc1", 7, 3)),
                Envelope.of(JOB_1, "gate-1", 1, 9, 5, new Payload.JobFinished(JobStatus.COMPLETED,
                        Map.of("dc1", DatacenterJobStatus.COMPLETED),
                        Map.of(), Map.of(), new io.stampede.model.stats.Unaccounted(12, List.of("worker-2"), "lost"))),
                Envelope.of(JOB_1, "gate-1", 1, 8, 5, new Payload.JobProgress(JobStatus.RUNNING,
                        Map.of("dc1", DatacenterJobStatus.RUNNING),
                        Map.of())));
        for (Envelope envelope : envelopes) {
            RecordCodec.Decoded decoded = RecordCodec.decode(RecordCodec.encode(envelope));
            assertThat(decoded).isEqualTo(new RecordCodec.Accepted(envelope));
        }
    }

    @Test
    void checksKeepTheOrderTheStepDeclaresThemInThroughTheWireAndMerges() {
        Map<String, StepWindow.CheckTally> declared = new java.util.LinkedHashMap<>();
        for (String check : List.of("status 200", "body contains \"ok\"", "a header", "json path $.id")) {
            declared.put(check, new StepWindow.CheckTally(1, 0));
        }
        StepWindow step = new StepWindow("get", 1, 1, Map.of(), 0, 0, declared,
                LatencyHistograms.encode(LatencyHistograms.create()));
        Envelope envelope = Envelope.of(JOB_1, "w", 0, 1, 5, new Payload.WorkflowWindowReported("browse", "w",
                new WorkflowWindow("browse", 1, 2, 1, 0, 1, List.of(step))));

        Payload.WorkflowWindowReported read = (Payload.WorkflowWindowReported)
                ((RecordCodec.Accepted) RecordCodec.decode(RecordCodec.encode(envelope))).envelope().payload();
        WorkflowWindow merged = io.stampede.model.stats.WorkflowAccumulator.concurrent("browse",
                List.of(read.window(), read.window()));

        assertThat(read.window().steps().get(0).checks().keySet()).containsExactlyElementsOf(declared.keySet());
        assertThat(merged.steps().get(0).checks().keySet()).containsExactlyElementsOf(declared.keySet());
    }

    @Test
    void recordsAreReadableJsonWithCloudEventsHeaders() {
        Envelope envelope = window("worker-1", 0, 4);
        String json = new String(RecordCodec.encode(envelope), StandardCharsets.UTF_8);

        assertThat(json).startsWith("{\"type\":\"workflow.window\",\"subject\":\"job/job-1\",\"sender\":\"worker-1\"");
        assertThat(RecordCodec.headers(envelope)).containsEntry("ce_type", "io.stampede.workflow.window")
                .containsEntry("ce_id", "worker-1/4").containsEntry("ce_subject", "job/job-1")
                .containsEntry("ce_specversion", "1.0");
    }

    @Test
    void poisonIsRejectedWithAReasonNeverThrown() {
        assertThat(reason("not json at all")).isEqualTo(Rejection.NOT_JSON);
        assertThat(reason("[1, 2]")).isEqualTo(Rejection.NOT_JSON);
        assertThat(reason("{\"type\":\"workflow.window\"}")).isEqualTo(Rejection.MISSING_FIELD);
        String valid = new String(RecordCodec.encode(window("w", 0, 1)), StandardCharsets.UTF_8);
        assertThat(reason(valid.replace("workflow.window", "workflow.teleported"))).isEqualTo(Rejection.UNKNOWN_TYPE);
        assertThat(reason(valid.replace(CURRENT, "\"3.1\""))).as("the previous protocol, whose readers do not"
                + " know PARTIAL").isEqualTo(Rejection.INCOMPATIBLE_VERSION);
        assertThat(reason(valid.replace(CURRENT, "\"2.0\""))).as("an older one, whose progress"
                + " records carried one window per workflow").isEqualTo(Rejection.INCOMPATIBLE_VERSION);
        assertThat(reason(valid.replace(CURRENT, "\"5.0\""))).isEqualTo(Rejection.INCOMPATIBLE_VERSION);
        assertThat(reason(valid.replace(CURRENT, "\"1.0\"").replace("\"subject\":\"job/job-1\"", "\"jobId\":\"job-1\"")))
                .as("a record of protocol 1, laid out as 1.x wrote it").isEqualTo(Rejection.INCOMPATIBLE_VERSION);
        assertThat(reason(valid.replace(CURRENT, "\"one\""))).isEqualTo(Rejection.INCOMPATIBLE_VERSION);
        assertThat(reason(valid.replace("job/job-1", "node/job-1"))).as("a window is about a job")
                .isEqualTo(Rejection.WRONG_SUBJECT);
        assertThat(reason(valid.replace("job/job-1", "job/../etc"))).as("not a job id").isEqualTo(Rejection.WRONG_SUBJECT);
        assertThat(reason(valid.replace("job/job-1", "planet/mars"))).isEqualTo(Rejection.WRONG_SUBJECT);
        String finished = new String(RecordCodec.encode(Envelope.of(JOB_1, "w", 0, 1, 5, new Payload.WorkflowFinished(
                "browse", "w", ShareState.COMPLETED, new WorkflowWindow("browse", 1, 2, 0, 0, 0, List.of()), Map.of(),
                ""))), StandardCharsets.UTF_8);
        assertThat(reason(finished.replace("\"COMPLETED\"", "\"EXPLODED\""))).as("a status no table holds")
                .isEqualTo(Rejection.MALFORMED_PAYLOAD);
        assertThat(reason(finished.replace("\"COMPLETED\"", "\"RUNNING\""))).as("a finished share cannot be running")
                .isEqualTo(Rejection.MALFORMED_PAYLOAD);
        assertThat(reason(valid.replace("\"sequence\":1", "\"sequence\":\"first\""))).isEqualTo(Rejection.MISSING_FIELD);
        assertThat(reason(valid.replace("\"latency\":\"", "\"latency\":\"!!"))).isEqualTo(Rejection.MALFORMED_PAYLOAD);
        // Readable, and impossible.
        assertThat(reason(valid.replace("\"fence\":0", "\"fence\":" + Long.MAX_VALUE))).as("a fence above any term")
                .isEqualTo(Rejection.OUT_OF_RANGE);
        assertThat(reason(valid.replace("\"fence\":0", "\"fence\":-2"))).isEqualTo(Rejection.OUT_OF_RANGE);
        assertThat(reason(valid.replace("\"requests\":1", "\"requests\":-1"))).isEqualTo(Rejection.OUT_OF_RANGE);
        assertThat(reason(valid.replace("\"successes\":1", "\"successes\":2"))).as("more successes than requests")
                .isEqualTo(Rejection.OUT_OF_RANGE);
        assertThat(reason(valid.replace("\"startMillis\":1", "\"startMillis\":9"))).as("ends before it starts")
                .isEqualTo(Rejection.OUT_OF_RANGE);
        assertThat(reason(valid.replace("\"latency\":\"", "\"latency\":\"AAAA"))).as("not a histogram")
                .isIn(Rejection.OUT_OF_RANGE, Rejection.MALFORMED_PAYLOAD);
        assertThat(reason(valid.replace("\"workflow\":\"browse\",\"startMillis\"", "\"workflow\":\"other\","
                + "\"startMillis\""))).as("a window filed under another workflow").isEqualTo(Rejection.OUT_OF_RANGE);
        assertThat(RecordCodec.decode(new byte[RecordCodec.MAX_RECORD_BYTES + 1]))
                .isEqualTo(new RecordCodec.Rejected(Rejection.TOO_LARGE, (RecordCodec.MAX_RECORD_BYTES + 1) + " bytes"));
        assertThat(RecordCodec.decode(null)).isInstanceOf(RecordCodec.Rejected.class);
    }

    @Test
    void aWorkersRecordSpeaksForItsSenderOnly() {
        Envelope request = Envelope.of(JOB_1, "worker-1", 0, 1, 5, new Payload.ExtensionRequested("w", "worker-2", 0,
                0.5, 1_000, 1));
        assertThat(RecordCodec.decode(RecordCodec.encode(request))).isInstanceOfSatisfying(RecordCodec.Rejected.class,
                rejected -> assertThat(rejected.reason()).isEqualTo(RecordCodec.Rejection.OTHER_SENDER));
        Envelope heartbeat = Envelope.of(new Subject.Node("worker-2"), "worker-1", 0, 2, 5,
                new Payload.WorkerHeartbeat("worker-1", "dc1", 2, 2, "0.1.0", 1L));
        assertThat(RecordCodec.decode(RecordCodec.encode(heartbeat))).as("about another node")
                .isInstanceOfSatisfying(RecordCodec.Rejected.class,
                        rejected -> assertThat(rejected.reason()).isEqualTo(RecordCodec.Rejection.OTHER_SENDER));
        Envelope finished = Envelope.of(JOB_1, "worker-1", 0, 3, 5, new Payload.WorkflowFinished("browse", "worker-2",
                ShareState.COMPLETED, new WorkflowWindow("browse", 1, 2, 0, 0, 0, List.of()), Map.of(), ""));
        assertThat(RecordCodec.decode(RecordCodec.encode(finished))).isInstanceOfSatisfying(RecordCodec.Rejected.class,
                rejected -> assertThat(rejected.reason()).isEqualTo(RecordCodec.Rejection.OTHER_SENDER));
        assertThat(RecordCodec.decode(RecordCodec.encode(window("worker-1", 0, 1)))).as("its own")
                .isInstanceOf(RecordCodec.Accepted.class);

        String numbered = new String(RecordCodec.encode(request), java.nio.charset.StandardCharsets.UTF_8)
                .replace("\"sender\":\"worker-1\"", "\"sender\":7");
        assertThat(RecordCodec.decode(numbered.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(RecordCodec.Rejected.class,
                        rejected -> assertThat(rejected.reason()).isEqualTo(RecordCodec.Rejection.MISSING_FIELD));
        assertThat(RecordCodec.sender(numbered.getBytes(java.nio.charset.StandardCharsets.UTF_8))).isEmpty();
        assertThat(RecordCodec.heading(numbered.getBytes(StandardCharsets.UTF_8)))
                .as("the type and sender in one pass: a sender that is not text is none")
                .isEqualTo(new RecordCodec.Heading(Optional.of(RecordType.EXTENSION_REQUESTED), Optional.empty(),
                        Optional.empty()));
        String twice = new String(RecordCodec.encode(request), StandardCharsets.UTF_8)
                .replace("{", "{\"type\":\"job.submitted\",\"sender\":\"gate-1\",");
        assertThat(RecordCodec.heading(twice.getBytes(StandardCharsets.UTF_8))).as("the last of each, as decoded")
                .isEqualTo(new RecordCodec.Heading(Optional.of(RecordType.EXTENSION_REQUESTED), Optional.of("worker-1"),
                        Optional.empty()));
        assertThat(RecordCodec.heading("[]".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(new RecordCodec.Heading(Optional.empty(), Optional.empty(), Optional.empty()));
        // A payload that is not an object is skipped whole: what comes after it is still read.
        String early = new String(RecordCodec.encode(request), StandardCharsets.UTF_8)
                .replace("{", "{\"type\":\"job.submitted\",\"sender\":\"gate-1\",\"payload\":[[1],{\"datacenter\":\"dc9\"}],");
        assertThat(RecordCodec.heading(early.getBytes(StandardCharsets.UTF_8))).as("a payload given as an array first")
                .isEqualTo(new RecordCodec.Heading(Optional.of(RecordType.EXTENSION_REQUESTED), Optional.of("worker-1"),
                        Optional.empty()));
    }

    @Test
    void aNewerMinorVersionWithExtraFieldsIsRead() {
        String valid = new String(RecordCodec.encode(window("w", 0, 1)), StandardCharsets.UTF_8);
        String newer = valid.replace(CURRENT, "\"4.7\"").replace("\"payload\":{", "\"payload\":{\"shiny\":true,");
        assertThat(RecordCodec.decode(newer.getBytes(StandardCharsets.UTF_8))).isInstanceOf(RecordCodec.Accepted.class);
    }

    @Test
    void anotherMajorIsRefusedNamingItsSenderAndAReaderOfThatMajorReadsIt() {
        String valid = new String(RecordCodec.encode(window("worker-9", 0, 1)), StandardCharsets.UTF_8);
        byte[] fifth = valid.replace(CURRENT, "\"5.0\"").getBytes(StandardCharsets.UTF_8);

        assertThat(RecordCodec.decode(fifth)).isEqualTo(new RecordCodec.Rejected(Rejection.INCOMPATIBLE_VERSION,
                "5.0 (this node reads 4.x)", "worker-9", new ProtocolVersion(5, 0)));
        assertThat(RecordCodec.decode(fifth, new ProtocolVersion(5, 1))).as("a node of 5.x reads it")
                .isInstanceOf(RecordCodec.Accepted.class);
        assertThat(RecordCodec.decode(valid.getBytes(StandardCharsets.UTF_8), new ProtocolVersion(5, 1)))
                .as("and refuses this build's").isInstanceOf(RecordCodec.Rejected.class);
        assertThat(RecordCodec.decode(valid.replace(CURRENT, "\"5.0\"").replace("\"sender\":\"worker-9\"",
                "\"sender\":7").getBytes(StandardCharsets.UTF_8))).as("a sender that is not a name is not named")
                .isEqualTo(new RecordCodec.Rejected(Rejection.INCOMPATIBLE_VERSION, "5.0 (this node reads 4.x)",
                        "", new ProtocolVersion(5, 0)));
    }

    @Test
    void recordsAreWrittenInTheVersionTheyAreGiven() {
        Envelope envelope = Envelope.of(JOB_1, "w", 0, 1, 0, new Payload.DatacenterProgress("dc1", Map.of(), Map.of()),
                new ProtocolVersion(4, 9));
        assertThat(new String(RecordCodec.encode(envelope), StandardCharsets.UTF_8)).contains("\"protocol\":\"4.9\"");
    }

    private static Rejection reason(String text) {
        RecordCodec.Decoded decoded = RecordCodec.decode(text.getBytes(StandardCharsets.UTF_8));
        assertThat(decoded).isInstanceOf(RecordCodec.Rejected.class);
        return ((RecordCodec.Rejected) decoded).reason();
    }

    private static Envelope progress(String sender, long fence, long sequence) {
        return Envelope.of(JOB_1, sender, fence, sequence, 0,
                new Payload.DatacenterProgress("dc1", Map.of(), Map.of()));
    }

    @Test
    void theReplayFilterDropsDuplicatesAndDeposedLeaders() {
        ReplayFilter filter = new ReplayFilter();

        assertThat(filter.offer(progress("manager-a", 1, 1))).isEqualTo(Verdict.ACCEPTED);
        assertThat(filter.offer(progress("manager-a", 1, 2))).isEqualTo(Verdict.ACCEPTED);
        assertThat(filter.offer(progress("manager-a", 1, 2))).isEqualTo(Verdict.DUPLICATE);
        assertThat(filter.offer(progress("manager-a", 1, 1))).isEqualTo(Verdict.DUPLICATE);
        // A new leader with a higher fence starts its own sequence.
        assertThat(filter.offer(progress("manager-b", 2, 1))).isEqualTo(Verdict.ACCEPTED);
        // The old leader, back from a pause, is fenced off.
        assertThat(filter.offer(progress("manager-a", 1, 3))).isEqualTo(Verdict.STALE_FENCE);
        // Another authority's fences are its own: the gates' fence 1 is not stale after a leader's 2.
        assertThat(filter.offer(Envelope.of(JOB_1, "gate-1", 1, 1, 0, new Payload.JobCancelRequested("x"))))
                .isEqualTo(Verdict.ACCEPTED);
        // Workers' facts carry no authority's fence: judged by sequence only, whatever fence they hold.
        assertThat(filter.offer(window("worker-1", 0, 1))).isEqualTo(Verdict.ACCEPTED);
        assertThat(filter.offer(window("worker-1", 0, 1))).isEqualTo(Verdict.DUPLICATE);
        // A sender's sequence is one counter for all it sends: a later record is newer, whatever it is about.
        assertThat(filter.offer(window("worker-1", 0, 5))).isEqualTo(Verdict.ACCEPTED);
    }
}
