package io.stampede.gate.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.stampede.model.JobId;
import io.stampede.model.lifecycle.DatacenterJobStatus;
import io.stampede.model.lifecycle.JobStatus;
import io.stampede.model.lifecycle.WorkflowState;
import io.stampede.model.stats.JobSeries;
import io.stampede.model.stats.LatencyHistograms;
import io.stampede.model.stats.StepWindow;
import io.stampede.model.stats.WorkflowWindow;
import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.Payload;
import io.stampede.model.wire.RecordCodec;
import io.stampede.model.wire.Subject;

/**
 * What a finished job's record on the results topic holds: its final view, and its series at the
 * finest resolution that fits, coarser (and saying so) when it does not; and how a kept series is
 * answered. Sending and reading the topic are tested against a broker in JobsApiTest.
 */
class JobArchiveTest {

    static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private static final long START = 1_700_000_000_000L;

    private static WorkflowWindow second(int second, long requests) {
        Histogram latency = LatencyHistograms.create();
        latency.recordValueWithCount((10 + second % 7) * 1000L, requests);
        return new WorkflowWindow("browse", START + second * 1000L, START + (second + 1) * 1000L, requests, 0, 2, List.of(
                new StepWindow("home", requests, requests, Map.of(), 0, 0, Map.of(), LatencyHistograms.encode(latency)),
                new StepWindow("search", 1, 0, Map.of("http_5xx", 1L), 0, 0, Map.of(),
                        LatencyHistograms.encode(LatencyHistograms.create()))));
    }

    /** A job that ran {@code seconds} s in two datacenters, 10 requests a second in each, and completed. */
    static GlobalJob finished(int seconds) {
        GlobalJob job = new GlobalJob(JobId.of("job-0123456789ab"), "archived", Instant.ofEpochMilli(START), 0,
                List.of("dc1", "dc2"), 0, List.of("browse"), START);
        for (String dc : List.of("dc1", "dc2")) {
            List<WorkflowWindow> windows = new ArrayList<>();
            for (int second = 0; second < seconds; second++) {
                windows.add(second(second, 10));
            }
            job.onProgress(new Payload.DatacenterProgress(dc, Map.of("browse", WorkflowState.RUNNING),
                    Map.of("browse", windows)), START + seconds * 1000L);
            job.record(new Payload.DatacenterProgress(dc, Map.of("browse", WorkflowState.RUNNING), Map.of("browse", windows)));
        }
        for (String dc : List.of("dc1", "dc2")) {
            job.onFinished(new Payload.DatacenterFinished(dc, DatacenterJobStatus.COMPLETED,
                    Map.of("browse", WorkflowState.COMPLETED), Map.of("browse", second(0, 10L * seconds)), Map.of()));
        }
        job.endedAt(START + seconds * 1000L);
        return job;
    }

    private static long requests(List<JobSeries.Series> series, String datacenter) {
        return series.stream().filter(s -> s.datacenter().equals(datacenter)).flatMap(s -> s.points().stream())
                .flatMap(point -> point.steps().stream()).filter(step -> step.step().equals("home"))
                .mapToLong(JobSeries.StepPoint::requests).sum();
    }

    @Test
    void aJobsRecordHoldsItsFinalViewAndEverySeriesAtTheResolutionItWasKept() {
        GlobalJob job = finished(30);
        assertThat(job.status()).isEqualTo(JobStatus.COMPLETED);

        Payload.JobArchived archived = JobArchive.build(JobArchive.Source.of(job, 3, true), JSON,
                JobArchive.MAX_ARCHIVE_BYTES).orElseThrow();

        assertThat(archived.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(archived.endedAtMillis()).isEqualTo(START + 30_000);
        assertThat(archived.resolutionMillis()).isEqualTo(1000);
        assertThat(archived.seriesNote()).isEmpty();
        assertThat(archived.series()).extracting(JobSeries.Series::datacenter).containsExactly("all", "dc1", "dc2");
        assertThat(requests(archived.series(), "all")).isEqualTo(600);
        assertThat(requests(archived.series(), "dc2")).isEqualTo(300);
        assertThat(archived.view().path("workflows").get(0).path("steps").get(0).path("requests").asLong())
                .isEqualTo(600);
        // Through the codec, as the topic carries it, and back to the API's view.
        Envelope envelope = ((RecordCodec.Accepted) RecordCodec.decode(RecordCodec.encode(Envelope.of(
                Subject.job(job.id()), "gate-1", 3, 1, START, archived)))).envelope();
        Payload.JobArchived read = (Payload.JobArchived) envelope.payload();
        assertThat(read.series()).isEqualTo(archived.series());
        JobView view = JobArchive.view(JSON, read);
        assertThat(view).isEqualTo(JobView.of(job, true));
    }

    @Test
    void aSeriesTooLargeForARecordIsKeptCoarserAndSaysSo() throws Exception {
        GlobalJob job = finished(40);
        JobArchive.Source source = JobArchive.Source.of(job, 3, true);
        int whole = JSON.writeValueAsBytes(JobArchive.build(source, JSON, JobArchive.MAX_ARCHIVE_BYTES).orElseThrow())
                .length;

        Payload.JobArchived coarser = JobArchive.build(source, JSON, whole * 2 / 3).orElseThrow();

        assertThat(coarser.resolutionMillis()).isEqualTo(2000);
        assertThat(coarser.seriesNote()).contains("kept coarser than the job's 1 s a point");
        assertThat(coarser.series().get(0).points()).hasSize(20);
        assertThat(requests(coarser.series(), "all")).as("nothing lost by merging").isEqualTo(800);

        int viewOnly = JSON.writeValueAsBytes(coarser.view()).length;
        Payload.JobArchived none = JobArchive.build(source, JSON, viewOnly + 10).orElseThrow();
        assertThat(none.series()).isEmpty();
        assertThat(none.seriesNote()).contains("not kept");
        assertThat(JobArchive.build(source, JSON, viewOnly - 1)).as("not even the view fits").isEmpty();
    }

    @Test
    void aKeptSeriesIsAnsweredByDatacenterStepAndTimeAsAHeldOneIs() {
        GlobalJob job = finished(10);
        Payload.JobArchived archived = JobArchive.build(JobArchive.Source.of(job, 3, true), JSON,
                JobArchive.MAX_ARCHIVE_BYTES).orElseThrow();
        JobSeries held = job.seriesCopy(Optional.empty());

        for (String datacenter : List.of("all", "dc1")) {
            assertThat(JobArchive.series(archived, Optional.of("browse"), Optional.of("search"), datacenter,
                    START + 4_500)).isEqualTo(held.series(Optional.of("browse"), Optional.of("search"), datacenter, 1000,
                            START + 4_500));
        }
        assertThat(JobArchive.series(archived, Optional.of("other"), Optional.empty(), "all", 0)).isEmpty();
    }
}
