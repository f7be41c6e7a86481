package io.stampede.cluster.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.stampede.model.JobId;
import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.Payload;
import io.stampede.model.wire.ReplayFilter;
import io.stampede.model.wire.Subject;

class JobLedgerTest {

    static final JobLedger.Limits LIMITS = new JobLedger.Limits(Duration.ofSeconds(10), 3, 5, 4, Duration.ofSeconds(100));

    static JobId job(int n) {
        return JobId.of("job-" + n);
    }

    static Envelope submitted(int job, long sequence) {
        return Envelope.of(Subject.job(job(job)), "gate-1", 1, sequence, 0,
                new Payload.JobSubmitted("dc1", "name: x", Map.of(), 0));
    }

    @Test
    void anEndedJobIsReleasedWholeAfterItsRetentionAndItsRecordsAreTurnedAwayAfter() {
        List<JobId> released = new ArrayList<>();
        JobLedger<StringBuilder> ledger = new JobLedger<>(LIMITS, (id, entry) -> released.add(id));

        JobLedger.Admission<StringBuilder> first = ledger.admit(submitted(1, 1), id -> new StringBuilder("one"));
        assertThat(first).isEqualTo(new JobLedger.Admitted<>(ledger.get(job(1)).orElseThrow()));
        assertThat(ledger.admit(submitted(1, 1), null)).as("the same record again")
                .isEqualTo(new JobLedger.Turned<>(ReplayFilter.Verdict.DUPLICATE));

        ledger.ended(job(1), 1_000);
        ledger.ended(job(1), 5_000);
        assertThat(ledger.endedAt(job(1))).as("the first end counts").contains(1_000L);
        assertThat(ledger.expire(10_999)).isZero();
        assertThat(ledger.retained()).isEqualTo(1);
        assertThat(ledger.expire(11_000)).isEqualTo(1);
        assertThat(released).containsExactly(job(1));
        assertThat(ledger.retained()).isZero();
        assertThat(ledger.tombstones()).isEqualTo(1);

        assertThat(ledger.admit(submitted(1, 2), id -> new StringBuilder("again"))).as("a redelivered submission")
                .isEqualTo(new JobLedger.Turned<>(ReplayFilter.Verdict.ENDED_JOB));
        assertThat(ledger.open(job(1), id -> new StringBuilder())).isEmpty();
        assertThat(ledger.retained()).isZero();
    }

    @Test
    void unknownJobsAreLeftAloneWhenNotAskedToOpen() {
        JobLedger<String> ledger = new JobLedger<>(LIMITS);
        assertThat(ledger.admit(submitted(9, 1), null)).isEqualTo(new JobLedger.Unknown<>());
        assertThat(ledger.retained()).isZero();
    }

    @Test
    void endedEntriesBeyondTheirLimitAreReleasedOldestFirst() {
        JobLedger<String> ledger = new JobLedger<>(LIMITS);
        for (int i = 1; i <= 4; i++) {
            ledger.open(job(i), JobId::value);
            ledger.ended(job(i), i);
        }
        assertThat(ledger.retainedEnded()).isEqualTo(3);
        assertThat(ledger.released(job(1))).isTrue();
        assertThat(ledger.get(job(2))).isPresent();
    }

    @Test
    void aFullLedgerMakesRoomFromEndedJobsOrRefuses() {
        JobLedger<String> ledger = new JobLedger<>(LIMITS);
        for (int i = 1; i <= 5; i++) {
            assertThat(ledger.open(job(i), JobId::value)).isPresent();
        }
        assertThat(ledger.full()).isTrue();
        assertThat(ledger.open(job(6), JobId::value)).as("five running jobs: full").isEmpty();
        assertThat(ledger.admit(submitted(6, 1), JobId::value)).isEqualTo(new JobLedger.Full<>());
        ledger.ended(job(2), 0);
        assertThat(ledger.full()).as("four running, one ended").isFalse();
        assertThat(ledger.open(job(6), JobId::value)).as("the ended one makes room").isPresent();
        assertThat(ledger.released(job(2))).isTrue();
        assertThat(ledger.retained()).isEqualTo(5);
    }

    @Test
    void tombstonesAreBoundedByCountAndAge() {
        JobLedger<String> ledger = new JobLedger<>(LIMITS);
        for (int i = 1; i <= 6; i++) {
            ledger.open(job(i), JobId::value);
            ledger.ended(job(i), 0);
            ledger.expire(10_000 + i);
        }
        assertThat(ledger.tombstones()).isEqualTo(4);
        assertThat(ledger.released(job(1))).as("the oldest tombstone went first").isFalse();
        assertThat(ledger.released(job(6))).isTrue();
        ledger.expire(10_000 + 6 + 100_000);
        assertThat(ledger.tombstones()).isZero();
        assertThat(ledger.open(job(6), JobId::value)).as("a job long forgotten is new again").isPresent();
    }
}
