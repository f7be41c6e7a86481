package io.stampede.gate.jobs;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.stampede.model.JobId;
import io.stampede.model.job.WorkflowSpec;
import io.stampede.model.lifecycle.JobStatus;
import io.stampede.model.stats.JobSeries;
import io.stampede.model.wire.Payload;
import io.stampede.model.wire.RecordCodec;

/**
 * A finished job's record on the results topic ({@code job.archived}), built from what the job held
 * at its end, and a kept series read back as the series API answers it. No I/O: {@link ArchivedJobs}
 * sends and reads the records.
 */
public final class JobArchive {

    private static final Logger LOG = Logger.getLogger(JobArchive.class);

    /**
     * The most bytes a job's results take as JSON: room under the record limit
     * ({@link RecordCodec#MAX_RECORD_BYTES}, 8 MiB) for the envelope. A series that would not fit is
     * kept coarser, each step doubling its points' length.
     */
    static final int MAX_ARCHIVE_BYTES = 6 * 1024 * 1024;
    /** A kept series is at most this coarse (rounded down to the job's resolution times a power of two). */
    static final long MAX_RESOLUTION_MILLIS = 3_600_000;

    private JobArchive() {
    }

    /**
     * What a job's results are made of, copied under the jobs' lock (the job may be released before
     * they are sent) and turned into a record outside it.
     */
    public record Source(JobId id, long fence, String name, JobStatus status, long submittedAtMillis,
            long endedAtMillis, List<String> datacenters, List<String> workflows, JobView view, JobSeries series,
            Map<String, WorkflowSpec.Open> schedules, Map<String, Map<String, Double>> shares, String seriesGap) {

        /**
         * @param settled whether the series has settled; when not (the job is released sooner, its
         *                retention being shorter than the settling), the series says it may lack a
         *                datacenter's last windows
         */
        static Source of(GlobalJob job, long fence, boolean settled) {
            String gap = job.seriesGap();
            if (!settled) {
                gap = (gap.isEmpty() ? "" : gap + "; ") + "kept before the series settled (stampede.jobs.retention is"
                        + " shorter than " + GlobalJob.SETTLING_MILLIS / 1000 + " s): a datacenter's last windows may be"
                        + " missing";
            }
            return new Source(job.id(), fence, job.name(), job.status(), job.submittedAt().toEpochMilli(),
                    job.endedAtMillis(), job.datacenters(), job.workflows(), JobView.of(job, true),
                    job.seriesCopy(Optional.empty()), job.schedules(), job.shares(), gap);
        }
    }

    /**
     * The job's record: its final view and each workflow's series, every datacenter merged and each
     * datacenter, at one resolution, the finest at which they fit in {@code maxBytes} (the series
     * left out when even its coarsest does not); empty, said why, when the view alone does not.
     */
    static Optional<Payload.JobArchived> build(Source source, ObjectMapper json, int maxBytes) {
        JsonNode view = json.valueToTree(source.view());
        int viewBytes = bytes(json, view);
        if (viewBytes > maxBytes) {
            LOG.warnf("job %s: its results are not kept: its view alone takes %d KiB, more than a record's %d KiB",
                    source.id(), viewBytes / 1024, maxBytes / 1024);
            return Optional.empty();
        }
        List<JobSeries.Series> merged = render(source, 1000, List.of(JobSeries.ALL));
        long kept = merged.stream().mapToLong(JobSeries.Series::resolutionMillis).max().orElse(1000);
        // Merging every datacenter's histograms is the costly part: done once when every workflow is at kept already.
        boolean mergedAtKept = merged.stream().allMatch(series -> series.resolutionMillis() == kept);
        long coarsest = kept;
        while (coarsest * 2 <= MAX_RESOLUTION_MILLIS) {
            coarsest *= 2;
        }
        String note = source.seriesGap();
        long resolution = kept;
        while (true) {
            List<JobSeries.Series> series = new ArrayList<>(resolution == kept && mergedAtKept ? merged
                    : render(source, resolution, List.of(JobSeries.ALL)));
            series.addAll(render(source, resolution, source.datacenters()));
            int seriesBytes = bytes(json, series);
            if (viewBytes + seriesBytes <= maxBytes) {
                return Optional.of(archived(source, view, resolution, series, note));
            }
            if (resolution >= coarsest) {
                break;
            }
            note = joined(source.seriesGap(), "the series is kept coarser than the job's " + kept / 1000 + " s a point: at"
                    + " that, it did not fit in a record of " + maxBytes / 1024 + " KiB");
            // Points shrink with the resolution: straight to the power of two that should fit, at most the coarsest.
            long room = Math.max(1, maxBytes - viewBytes);
            resolution = Math.min(coarsest, resolution * nextPowerOfTwo((seriesBytes + room - 1) / room));
        }
        return Optional.of(archived(source, view, kept, List.of(), joined(source.seriesGap(), "the series is not kept:"
                + " even at its coarsest, a point every " + coarsest / 1000 + " s, it did not fit in a record of "
                + maxBytes / 1024 + " KiB")));
    }

    /** The least power of two at least {@code n}, and at least 2. */
    static long nextPowerOfTwo(long n) {
        return n <= 2 ? 2 : Long.highestOneBit(n - 1) << 1;
    }

    private static String joined(String first, String second) {
        return first.isEmpty() ? second : first + "; " + second;
    }

    /**
     * The kept series of one datacenter ({@link JobSeries#ALL} for every one merged), of each workflow
     * or only {@code workflow}, with only {@code step}'s figures when one is named, and only the
     * points that end after {@code sinceMillis}: as {@link JobSeries#series} answers for a job held.
     */
    public static List<JobSeries.Series> series(Payload.JobArchived archived, Optional<String> workflow,
            Optional<String> step, String datacenter, long sinceMillis) {
        return archived.series().stream()
                .filter(series -> series.datacenter().equals(datacenter)
                        && workflow.map(series.workflow()::equals).orElse(true))
                .map(series -> new JobSeries.Series(series.workflow(), series.datacenter(), series.resolutionMillis(),
                        series.points().stream()
                                .filter(point -> point.startMillis() + series.resolutionMillis() > sinceMillis)
                                .map(point -> step.isEmpty() ? point : new JobSeries.Point(point.startMillis(),
                                        point.seconds(), point.iterations(), point.iterationsPerSecond(),
                                        point.droppedIterations(), point.droppedPerSecond(), point.activeVus(),
                                        point.targetRate(), point.steps().stream()
                                                .filter(figures -> figures.step().equals(step.get())).toList()))
                                .toList()))
                .toList();
    }

    private static Payload.JobArchived archived(Source source, JsonNode view, long resolution,
            List<JobSeries.Series> series, String note) {
        return new Payload.JobArchived(source.name(), source.status(), source.submittedAtMillis(), source.endedAtMillis(),
                source.datacenters(), source.workflows(), view, resolution, series, note);
    }

    private static List<JobSeries.Series> render(Source source, long resolution, List<String> datacenters) {
        List<JobSeries.Series> out = new ArrayList<>();
        for (String datacenter : datacenters) {
            out.addAll(source.series().series(Optional.empty(), Optional.empty(), datacenter, resolution, 0,
                    source.schedules(), source.shares()));
        }
        return out;
    }

    private static int bytes(ObjectMapper json, Object value) {
        try {
            return json.writeValueAsBytes(value).length;
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }


    /** The job's final view as it was archived, read as the API's {@link JobView}. */
    static JobView view(ObjectMapper json, Payload.JobArchived archived) {
        try {
            return json.treeToValue(archived.view(), JobView.class);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("a job's archived view cannot be read", e);
        }
    }
}
