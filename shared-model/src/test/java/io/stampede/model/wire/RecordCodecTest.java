package io.stampede.model.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.stampede.model.job.LoadShare;
import io.stampede.model.stats.LatencyHistograms;
import io.stampede.model.stats.StepWindow;
import io.stampede.model.stats.WorkflowWindow;
import io.stampede.model.wire.RecordCodec.Rejection;
import io.stampede.model.wire.ReplayFilter.Verdict;

class RecordCodecTest {

    private static Envelope window(String sender, long fence, long sequence) {
        var histogram = LatencyHistograms.create();
        histogram.recordValue(1234);
        var step = new StepWindow("get", 1, 1, Map.of(), 10, 20, Map.of("status 200", new StepWindow.CheckTally(1, 0)),
                LatencyHistograms.encode(histogram));
        return Envelope.of("job-1", sender, fence, sequence, 1_700_000_000_000L,
                new Payload.WorkflowWindowReported("browse", sender, new WorkflowWindow("browse", 1, 2, 1, 0, 3,
                        List.of(step))));
    }

    @Test
    void everyPayloadSurvivesARoundTrip() {
        List<Envelope> envelopes = List.of(
                window("worker-1", 0, 1),
                Envelope.of("job-1", "gate-1", 3, 1, 5, new Payload.JobSubmitted("dc1", "name: x",
                        Map.of("browse", new LoadShare(5, 0, 0, 1)), 0)),
                Envelope.of("job-1", "gate-1", 3, 2, 5, new Payload.JobCancelRequested("user asked")),
                Envelope.of("job-1", "manager-1", 2, 1, 5, new Payload.WorkflowDispatched("browse", "worker-1",
                        "name: x", new LoadShare(0, 0.5, 10, 11), Map.of("token", "t"), 99)),
                Envelope.of("job-1", "manager-1", 2, 2, 5, new Payload.WorkflowCancelRequested("browse", "worker-1")),
                Envelope.of("job-1", "worker-1", 0, 2, 5, new Payload.WorkflowFinished("browse", "worker-1",
                        "COMPLETED", new WorkflowWindow("browse", 1, 2, 0, 0, 0, List.of()), Map.of("t", "v"), "")),
                Envelope.of("worker-1", "worker-1", 0, 7, 5, new Payload.WorkerHeartbeat("worker-1", "dc1", 2, 2,
                        "0.1.0")),
                Envelope.of("job-1", "manager-1", 2, 3, 5, new Payload.DatacenterProgress("dc1",
                        Map.of("browse", "RUNNING"), Map.of("browse", new WorkflowWindow("browse", 1, 2, 0, 0, 0,
                                List.of())))),
                Envelope.of("job-1", "manager-1", 2, 4, 5, new Payload.DatacenterFinished("dc1", "FAILED",
                        Map.of("browse", "FAILED"), Map.of(), Map.of("browse", "worker lost"))),
                Envelope.of("dc1", "manager-1", 2, 5, 5, new Payload.DatacenterStatus("dc1", "manager-1", 2, 4, 3, 1)),
                Envelope.of("job-1", "gate-1", 1, 9, 5, new Payload.JobFinished("COMPLETED", Map.of("dc1", "COMPLETED"),
                        Map.of(), Map.of())),
                Envelope.of("job-1", "gate-1", 1, 8, 5, new Payload.JobProgress("RUNNING", Map.of("dc1", "RUNNING"),
                        Map.of())));
        for (Envelope envelope : envelopes) {
            RecordCodec.Decoded decoded = RecordCodec.decode(RecordCodec.encode(envelope));
            assertThat(decoded).isEqualTo(new RecordCodec.Accepted(envelope));
        }
    }

    @Test
    void recordsAreReadableJsonWithCloudEventsHeaders() {
        Envelope envelope = window("worker-1", 0, 4);
        String json = new String(RecordCodec.encode(envelope), StandardCharsets.UTF_8);

        assertThat(json).startsWith("{\"type\":\"workflow.window\",\"jobId\":\"job-1\",\"sender\":\"worker-1\"");
        assertThat(RecordCodec.headers(envelope)).containsEntry("ce_type", "io.stampede.workflow.window")
                .containsEntry("ce_id", "worker-1/job-1/4").containsEntry("ce_specversion", "1.0");
    }

    @Test
    void poisonIsRejectedWithAReasonNeverThrown() {
        assertThat(reason("not json at all")).isEqualTo(Rejection.NOT_JSON);
        assertThat(reason("[1, 2]")).isEqualTo(Rejection.NOT_JSON);
        assertThat(reason("{\"type\":\"workflow.window\"}")).isEqualTo(Rejection.MISSING_FIELD);
        String valid = new String(RecordCodec.encode(window("w", 0, 1)), StandardCharsets.UTF_8);
        assertThat(reason(valid.replace("workflow.window", "workflow.teleported"))).isEqualTo(Rejection.UNKNOWN_TYPE);
        assertThat(reason(valid.replace("\"1.0\"", "\"2.0\""))).isEqualTo(Rejection.INCOMPATIBLE_VERSION);
        assertThat(reason(valid.replace("\"1.0\"", "\"one\""))).isEqualTo(Rejection.INCOMPATIBLE_VERSION);
        assertThat(reason(valid.replace("\"sequence\":1", "\"sequence\":\"first\""))).isEqualTo(Rejection.MISSING_FIELD);
        assertThat(reason(valid.replace("\"latency\":\"", "\"latency\":\"!!"))).isEqualTo(Rejection.MALFORMED_PAYLOAD);
        assertThat(RecordCodec.decode(new byte[RecordCodec.MAX_RECORD_BYTES + 1]))
                .isEqualTo(new RecordCodec.Rejected(Rejection.TOO_LARGE, (RecordCodec.MAX_RECORD_BYTES + 1) + " bytes"));
        assertThat(RecordCodec.decode(null)).isInstanceOf(RecordCodec.Rejected.class);
    }

    @Test
    void aNewerMinorVersionWithExtraFieldsIsRead() {
        String valid = new String(RecordCodec.encode(window("w", 0, 1)), StandardCharsets.UTF_8);
        String newer = valid.replace("\"1.0\"", "\"1.7\"").replace("\"payload\":{", "\"payload\":{\"shiny\":true,");
        assertThat(RecordCodec.decode(newer.getBytes(StandardCharsets.UTF_8))).isInstanceOf(RecordCodec.Accepted.class);
    }

    private static Rejection reason(String text) {
        RecordCodec.Decoded decoded = RecordCodec.decode(text.getBytes(StandardCharsets.UTF_8));
        assertThat(decoded).isInstanceOf(RecordCodec.Rejected.class);
        return ((RecordCodec.Rejected) decoded).reason();
    }

    private static Envelope progress(String sender, long fence, long sequence) {
        return Envelope.of("job-1", sender, fence, sequence, 0,
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
        assertThat(filter.offer(Envelope.of("job-1", "gate-1", 1, 1, 0, new Payload.JobCancelRequested("x"))))
                .isEqualTo(Verdict.ACCEPTED);
        // Workers' facts carry no authority's fence: judged by sequence only, whatever fence they hold.
        assertThat(filter.offer(window("worker-1", 0, 1))).isEqualTo(Verdict.ACCEPTED);
        assertThat(filter.offer(window("worker-1", 0, 1))).isEqualTo(Verdict.DUPLICATE);
        assertThat(filter.offer(Envelope.of("job-2", "worker-1", 0, 1, 0, new Payload.JobCancelRequested("x"))))
                .isEqualTo(Verdict.ACCEPTED);
        assertThat(filter.jobs()).isEqualTo(2);
        filter.forget("job-1");
        assertThat(filter.jobs()).isEqualTo(1);
        assertThat(filter.offer(progress("manager-a", 1, 9))).as("forgotten, fences included").isEqualTo(Verdict.ACCEPTED);
    }
}
