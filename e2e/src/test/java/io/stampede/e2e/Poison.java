package io.stampede.e2e;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.stampede.model.JobId;
import io.stampede.model.lifecycle.WorkflowState;
import io.stampede.model.stats.LatencyHistograms;
import io.stampede.model.stats.StepWindow;
import io.stampede.model.stats.WorkflowWindow;
import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.Payload;
import io.stampede.model.wire.RecordCodec;
import io.stampede.model.wire.Subject;

/**
 * Records that are wrong in every way a reader can meet: not a record at all, a record of no
 * known kind, and readable records that cannot be true (a histogram that is not one, negative or
 * absurd counts, a fence far above any term). All are about a real job, so a reader that applied
 * any of them would show it in the job's counts.
 */
final class Poison {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Poison() {
    }

    /** A worker's window as a datacenter's progress topic carries it. */
    static Map<String, byte[]> workerWindows(String job, String workflow) {
        return kinds(envelope(job, new Payload.WorkflowWindowReported(workflow, "worker-forged", window(workflow))),
                "/payload/window");
    }

    /** A datacenter's progress as the events topic carries it. */
    static Map<String, byte[]> datacenterProgress(String job, String workflow) {
        return kinds(envelope(job, new Payload.DatacenterProgress("dc1", Map.of(workflow, WorkflowState.RUNNING),
                Map.of(workflow, List.of(window(workflow))))), "/payload/windows/" + workflow + "/0");
    }

    private static WorkflowWindow window(String workflow) {
        var histogram = LatencyHistograms.create();
        histogram.recordValue(1_000);
        long now = System.currentTimeMillis();
        return new WorkflowWindow(workflow, now - 1_000, now, 1, 0, 1, List.of(new StepWindow("get", 1, 1, Map.of(),
                0, 0, Map.of(), LatencyHistograms.encode(histogram))));
    }

    private static ObjectNode envelope(String job, Payload payload) {
        byte[] valid = RecordCodec.encode(Envelope.of(Subject.job(JobId.of(job)), "forger", 1, 1,
                System.currentTimeMillis(), payload));
        try {
            return (ObjectNode) JSON.readTree(valid);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Each kind of wrong record, by name, made from a valid one whose window is at {@code windowPath}. */
    private static Map<String, byte[]> kinds(ObjectNode base, String windowPath) {
        Map<String, byte[]> kinds = new LinkedHashMap<>();
        kinds.put("not JSON", bytes("{ not a record"));
        kinds.put("a JSON array", bytes("[1, 2, 3]"));
        kinds.put("a JSON number", bytes("42"));
        kinds.put("an empty object", bytes("{}"));
        kinds.put("no protocol", mutate(base, record -> record.remove("protocol")));
        kinds.put("protocol 1.0", mutate(base, record -> record.put("protocol", "1.0")));
        kinds.put("protocol banana", mutate(base, record -> record.put("protocol", "banana")));
        kinds.put("an unknown type", mutate(base, record -> record.put("type", "job.exploded")));
        kinds.put("a subject of the wrong kind", mutate(base, record -> record.put("subject", "node/worker-1")));
        kinds.put("no subject at all", mutate(base, record -> record.put("subject", "nothing")));
        kinds.put("a negative fence", mutate(base, record -> record.put("fence", -5)));
        kinds.put("a fence far above any term", mutate(base, record -> record.put("fence", Long.MAX_VALUE)));
        kinds.put("a sequence that is text", mutate(base, record -> record.put("sequence", "abc")));
        kinds.put("a null payload", mutate(base, record -> record.putNull("payload")));
        kinds.put("a payload that is text", mutate(base, record -> record.put("payload", "hello")));
        kinds.put("a histogram that is not one", mutate(base, record -> step(record, windowPath)
                .put("latency", "AAAAAAAAAAAAAAAA")));
        kinds.put("a histogram that is null", mutate(base, record -> step(record, windowPath).putNull("latency")));
        kinds.put("negative requests", mutate(base, record -> step(record, windowPath).put("requests", -3)));
        kinds.put("more successes than requests", mutate(base, record -> step(record, windowPath)
                .put("successes", 99)));
        kinds.put("an absurd count", mutate(base, record -> step(record, windowPath).put("requests", 1L << 60)
                .put("successes", 1L << 60)));
        kinds.put("more latencies than requests", mutate(base, record -> step(record, windowPath).put("requests", 0)
                .put("successes", 0)));
        kinds.put("a window ending before it starts", mutate(base, record -> ((ObjectNode) record.at(windowPath))
                .put("endMillis", 5).put("startMillis", 10)));
        kinds.put("negative iterations", mutate(base, record -> ((ObjectNode) record.at(windowPath))
                .put("iterations", -1)));
        kinds.put("steps that are not a list", mutate(base, record -> ((ObjectNode) record.at(windowPath))
                .put("steps", "none")));
        kinds.put("a failure count above the requests", mutate(base, record -> step(record, windowPath)
                .putObject("failures").put("timeout", 7)));
        return kinds;
    }

    private static ObjectNode step(ObjectNode record, String windowPath) {
        return (ObjectNode) ((ArrayNode) record.at(windowPath + "/steps")).get(0);
    }

    private static byte[] mutate(ObjectNode base, Consumer<ObjectNode> change) {
        ObjectNode copy = base.deepCopy();
        change.accept(copy);
        try {
            return JSON.writeValueAsBytes(copy);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
