package io.stampede.model.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.fge.jsonschema.main.JsonSchema;
import com.github.fge.jsonschema.main.JsonSchemaFactory;

import io.stampede.model.JobId;
import io.stampede.model.job.WorkflowSpec;
import io.stampede.model.lifecycle.DatacenterJobStatus;
import io.stampede.model.lifecycle.JobStatus;
import io.stampede.model.lifecycle.WorkflowState;
import io.stampede.model.load.Backpressure;
import io.stampede.model.load.Extensions;
import io.stampede.model.load.LoadState;
import io.stampede.model.stats.JobSeries;
import io.stampede.model.stats.LatencyHistograms;
import io.stampede.model.stats.StepWindow;
import io.stampede.model.stats.Unaccounted;
import io.stampede.model.stats.WorkflowWindow;

/**
 * The published schemas of the records on stampede.jobs.events (docs/events/) accept every kind of
 * record Stampede writes there, as RecordCodec writes it, and refuse what breaks them.
 */
class EventSchemaTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static JsonSchema envelope;

    @BeforeAll
    static void load() throws Exception {
        envelope = JsonSchemaFactory.byDefault().getJsonSchema(Path.of("../docs/events/envelope.schema.json")
                .toAbsolutePath().normalize().toUri().toString());
    }

    private static final WorkflowWindow WINDOW = new WorkflowWindow("browse", 1_790_000_000_000L, 1_790_000_001_000L, 10,
            1, 2, List.of(new StepWindow("list items", 10, 9, Map.of("http_5xx", 1L), 100, 2000,
                    Map.of("status 200", new StepWindow.CheckTally(9, 1)), LatencyHistograms.encode(LatencyHistograms.create()),
                    Map.of("missing_variable:token", 2L))));
    private static final Unaccounted LOST = Unaccounted.NONE.plusLost("worker-dc1-2", WINDOW);

    /** One of every record Stampede writes on the events and results topics, with every optional part filled. */
    static List<Envelope> records() {
        Subject job = Subject.job(JobId.of("job-7b135d770bc4"));
        return List.of(
                Envelope.of(job, "manager-dc1-1", 3, 17, 1_790_000_001_000L, new Payload.DatacenterProgress("dc1",
                        Map.of("browse", WorkflowState.RUNNING), Map.of("browse", List.of(WINDOW)), Backpressure.THROTTLE,
                        new Extensions(1, 0, 5000, ""), Map.of("login", new Payload.Exported(Map.of("token", "t"),
                                1_790_000_000_500L)), true, List.of(new Payload.Incident(1_790_000_000_700L,
                                        Payload.Incident.RE_RUN, "browse", "worker w-2 was lost (it restarted); its share"
                                                + " (2 virtual users) runs again on w-1 for the 20 s it had left")))),
                Envelope.of(job, "manager-dc1-1", 3, 18, 1_790_000_002_000L, new Payload.DatacenterFinished("dc1",
                        DatacenterJobStatus.COMPLETED, Map.of("browse", WorkflowState.COMPLETED), Map.of("browse", WINDOW),
                        Map.of("browse", "a note"), LOST)),
                Envelope.of(new Subject.Datacenter("dc1"), "manager-dc1-1", 3, 19, 1_790_000_002_000L,
                        new Payload.DatacenterStatus("dc1", "manager-dc1-1", 2, 4, 3, 1, LoadState.BUSY, Backpressure.NONE,
                                "127.0.0.1:9090", 2, 1, 1, 1500L, List.of("probe", "job-queue"))),
                Envelope.of(new Subject.Datacenter("dc1"), "manager-dc1-2", 0, 5, 1_790_000_002_000L,
                        new Payload.TermStated("dc1", 3, 3)),
                Envelope.of(job, "gate-1", 1, 20, 1_790_000_002_000L, new Payload.JobProgress(JobStatus.RUNNING,
                        Map.of("dc1", DatacenterJobStatus.RUNNING), Map.of("browse", WINDOW))),
                Envelope.of(job, "gate-1", 1, 21, 1_790_000_003_000L, new Payload.JobFinished(JobStatus.PARTIAL,
                        Map.of("dc1", DatacenterJobStatus.COMPLETED, "dc2", DatacenterJobStatus.LOST),
                        Map.of("browse", WINDOW), Map.of("dc2", "datacenter dc2 was lost"), LOST)),
                Envelope.of(job, "gate-1", 1, 22, 1_790_000_006_000L, archived()));
    }

    /** A finished job's results as its gate keeps them on stampede.jobs.results. */
    private static Payload.JobArchived archived() {
        JobSeries series = new JobSeries();
        series.add("dc1", Map.of("browse", List.of(WINDOW)));
        List<JobSeries.Series> kept = new ArrayList<>(series.series(Optional.empty(), Optional.empty(),
                JobSeries.ALL, 1000, 0, Map.of("browse", new WorkflowSpec.Open(10, List.of(), 20)), Map.of()));
        kept.addAll(series.series(Optional.empty(), Optional.empty(), "dc1", 1000, 0));
        ObjectNode view = JSON.createObjectNode().put("id", "job-7b135d770bc4").put("status", "COMPLETED");
        view.putObject("datacenters").putObject("dc1").put("status", "COMPLETED");
        view.putArray("workflows");
        return new Payload.JobArchived("shop", JobStatus.COMPLETED, 1_790_000_000_000L, 1_790_000_003_000L,
                List.of("dc1"), List.of("browse"), view, 1000, kept, "");
    }

    private static boolean valid(JsonNode record) throws Exception {
        return envelope.validate(record).isSuccess();
    }

    @Test
    void everyKindOfEventRecordMatchesItsSchema() throws Exception {
        for (Envelope record : records()) {
            JsonNode written = JSON.readTree(RecordCodec.encode(record));
            assertThat(envelope.validate(written).isSuccess()).as(record.type() + ": " + envelope.validate(written))
                    .isTrue();
        }
    }

    @Test
    void aRecordThatBreaksItsSchemaIsRefusedAndOneOfALaterTypeIsLetThrough() throws Exception {
        ObjectNode finished = (ObjectNode) JSON.readTree(RecordCodec.encode(records().get(5)));
        ObjectNode noTotals = finished.deepCopy();
        ((ObjectNode) noTotals.get("payload")).remove("totals");
        ObjectNode badStatus = finished.deepCopy();
        ((ObjectNode) badStatus.get("payload")).put("status", "RUNNING");
        ObjectNode negative = finished.deepCopy();
        ((ObjectNode) negative.at("/payload/totals/browse/steps/0")).put("requests", -1);
        ObjectNode later = finished.deepCopy();
        later.put("type", "job.annotated");
        ObjectNode addedField = finished.deepCopy();
        ((ObjectNode) addedField.get("payload")).put("addedInAMinorVersion", true);

        assertThat(valid(noTotals)).isFalse();
        assertThat(valid(badStatus)).as("a finished job has ended").isFalse();
        assertThat(valid(negative)).isFalse();
        assertThat(valid(later)).as("a later minor version's type: skipped, not refused").isTrue();
        assertThat(valid(addedField)).as("a later minor version's field").isTrue();
    }
}
