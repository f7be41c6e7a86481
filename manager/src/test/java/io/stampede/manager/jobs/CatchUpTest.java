package io.stampede.manager.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import io.stampede.manager.jobs.CatchUp.Status;
import io.stampede.model.Topics;

/** The catch-up decision on plain values: no broker, no threads, time passed in. */
class CatchUpTest {

    static final TopicPartition JOBS = new TopicPartition(Topics.jobs("dc1"), 0);
    static final TopicPartition DISPATCH = new TopicPartition(Topics.dispatch("dc1"), 0);
    static final TopicPartition PROGRESS = new TopicPartition(Topics.progress("dc1"), 2);
    static final long DEADLINE = 15_000;
    static final long BEFORE = DEADLINE - 1;

    /** End offsets 5, 3 and 10: the records to process last are at offsets 4, 2 and 9. */
    static final Optional<Map<TopicPartition, Long>> ENDS = Optional.of(Map.of(JOBS, 5L, DISPATCH, 3L, PROGRESS, 10L));

    @Test
    void caughtUpOnceTheRecordBeforeEachEndOffsetIsProcessed() {
        Map<TopicPartition, Long> processed = Map.of(JOBS, 4L, DISPATCH, 2L, PROGRESS, 9L);

        assertThat(CatchUp.status(ENDS, processed, DEADLINE, BEFORE)).isEqualTo(Status.CAUGHT_UP);
    }

    @Test
    void recordsWrittenAfterLeadershipWasWonDoNotMatter() {
        Map<TopicPartition, Long> processed = Map.of(JOBS, 40L, DISPATCH, 2L, PROGRESS, 90L);

        assertThat(CatchUp.status(ENDS, processed, DEADLINE, BEFORE)).isEqualTo(Status.CAUGHT_UP);
    }

    @Test
    void waitsWhileOnePartitionIsBehind() {
        Map<TopicPartition, Long> processed = Map.of(JOBS, 4L, DISPATCH, 1L, PROGRESS, 9L);

        assertThat(CatchUp.status(ENDS, processed, DEADLINE, BEFORE)).isEqualTo(Status.WAITING);
    }

    @Test
    void waitsForAPartitionWithRecordsButNoneProcessed() {
        Map<TopicPartition, Long> processed = Map.of(JOBS, 4L, PROGRESS, 9L);

        assertThat(CatchUp.status(ENDS, processed, DEADLINE, BEFORE)).isEqualTo(Status.WAITING);
    }

    @Test
    void waitsWhileTheEndOffsetsAreNotRead() {
        assertThat(CatchUp.status(Optional.empty(), Map.of(), DEADLINE, BEFORE)).isEqualTo(Status.WAITING);
    }

    @Test
    void emptyPartitionsHaveNothingToWaitFor() {
        Optional<Map<TopicPartition, Long>> empty = Optional.of(Map.of(JOBS, 0L, DISPATCH, 0L, PROGRESS, 0L));

        assertThat(CatchUp.status(empty, Map.of(), DEADLINE, 0)).isEqualTo(Status.CAUGHT_UP);
    }

    @Test
    void noPartitionsAtAllIsCaughtUp() {
        assertThat(CatchUp.status(Optional.of(Map.of()), Map.of(), DEADLINE, 0)).isEqualTo(Status.CAUGHT_UP);
    }

    @Test
    void givesUpFromTheDeadlineOn() {
        Map<TopicPartition, Long> behind = Map.of(JOBS, 4L, DISPATCH, 1L, PROGRESS, 9L);

        assertThat(CatchUp.status(ENDS, behind, DEADLINE, DEADLINE)).isEqualTo(Status.GAVE_UP);
        assertThat(CatchUp.status(ENDS, behind, DEADLINE, DEADLINE + 60_000)).isEqualTo(Status.GAVE_UP);
    }

    @Test
    void givesUpAtTheDeadlineWhenTheEndOffsetsAreStillNotRead() {
        assertThat(CatchUp.status(Optional.empty(), Map.of(), DEADLINE, DEADLINE)).isEqualTo(Status.GAVE_UP);
    }

    @Test
    void caughtUpWinsEvenAtTheDeadline() {
        Map<TopicPartition, Long> processed = Map.of(JOBS, 4L, DISPATCH, 2L, PROGRESS, 9L);

        assertThat(CatchUp.status(ENDS, processed, DEADLINE, DEADLINE)).isEqualTo(Status.CAUGHT_UP);
    }
}
