package io.stampede.gate.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.Payload;
import io.stampede.model.wire.RecordCodec;
import io.stampede.model.wire.Subject;

/**
 * How large a finished job's record on the results topic is, and how long it takes to build, for
 * jobs of 10 minutes to 2 hours in two datacenters (one workflow of two steps, 10 requests a second
 * each): printed for docs/benchmarks.md. Run it with
 * {@code mvn -B -pl gate test -Dtest=ArchiveSizeBenchmark}.
 */
class ArchiveSizeBenchmark {

    @Test
    void printsTheRecordsSizeAndTheTimeToBuildIt() {
        for (int minutes : new int[] {10, 30, 60, 120}) {
            GlobalJob job = JobArchiveTest.finished(minutes * 60);
            long started = System.nanoTime();
            Payload.JobArchived archived = JobArchive.build(JobArchive.Source.of(job, 1, true), JobArchiveTest.JSON,
                    JobArchive.MAX_ARCHIVE_BYTES).orElseThrow();
            double millis = (System.nanoTime() - started) / 1e6;
            int bytes = RecordCodec.encode(Envelope.of(Subject.job(job.id()), "gate-1", 1, 1, 0, archived)).length;
            System.out.printf("archive of a %d min job in 2 datacenters: %d points a series at %d s, record %.2f MiB,"
                    + " built in %.0f ms%s%n", minutes, archived.series().get(0).points().size(),
                    archived.resolutionMillis() / 1000, bytes / 1048576.0, millis,
                    archived.seriesNote().isEmpty() ? "" : " (" + archived.seriesNote() + ")");
            assertThat(bytes).isLessThan(RecordCodec.MAX_RECORD_BYTES);
        }
    }
}
