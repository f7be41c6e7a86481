package io.stampede.model.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.stampede.model.lifecycle.WorkflowState;

class JobStatisticsTest {

    private static final long T0 = 1_790_000_000_000L;

    /** A worker's window of one second of the clock with this many requests. */
    private static WorkflowWindow second(long second, long requests) {
        long start = T0 + second * 1000;
        return new WorkflowWindow("w", start, start + 1000, requests, 0, 1, List.of(new StepWindow("s", requests,
                requests, Map.of(), 0, 0, Map.of(), LatencyHistograms.encode(LatencyHistograms.create()))));
    }

    private static double current(JobStatistics statistics) {
        return statistics.reports(Map.of()).get(0).steps().get(0).currentRequestsPerSecond();
    }

    @Test
    void theCurrentRateLeavesOutTheLatestSecondWhileItMayStillBeArriving() {
        JobStatistics statistics = new JobStatistics(List.of("dc1"), List.of("w"));
        for (long s = 0; s < 5; s++) {
            // Two workers at 10/s each; the latest second has only one worker's window so far.
            statistics.onProgress("dc1", Map.of("w", List.of(second(s, 10))));
            statistics.onProgress("dc1", Map.of("w", List.of(second(s, 10))));
        }
        statistics.onProgress("dc1", Map.of("w", List.of(second(5, 10))));

        assertThat(current(statistics)).isCloseTo(20, within(1e-9));
    }

    @Test
    void theFirstSecondAloneGivesARateOverTheTimeItCovers() {
        JobStatistics statistics = new JobStatistics(List.of("dc1"), List.of("w"));
        statistics.onProgress("dc1", Map.of("w", List.of(new WorkflowWindow("w", T0 + 750, T0 + 1000, 5, 0, 1,
                List.of(new StepWindow("s", 5, 5, Map.of(), 0, 0, Map.of(),
                        LatencyHistograms.encode(LatencyHistograms.create())))))));

        assertThat(current(statistics)).isCloseTo(20, within(1e-9));
    }

    @Test
    void currentRatesOfDatacentersAddUpEvenWhenTheyStartedApart() {
        JobStatistics statistics = new JobStatistics(List.of("dc1", "dc2"), List.of("w"));
        for (long s = 0; s < 6; s++) {
            statistics.onProgress("dc1", Map.of("w", List.of(second(s, 10))));
        }
        for (long s = 2; s < 5; s++) {
            statistics.onProgress("dc2", Map.of("w", List.of(second(s, 10))));
        }

        assertThat(current(statistics)).isCloseTo(20, within(1e-9));
        assertThat(statistics.reports("dc2", Map.of()).get(0).steps().get(0).currentRequestsPerSecond())
                .isCloseTo(10, within(1e-9));
    }

    @Test
    void aFinishedDatacenterHasNoCurrentRateAndItsTotalsReplaceItsProgress() {
        JobStatistics statistics = new JobStatistics(List.of("dc1"), List.of("w"));
        for (long s = 0; s < 3; s++) {
            statistics.onProgress("dc1", Map.of("w", List.of(second(s, 10))));
        }
        WorkflowWindow totals = WorkflowAccumulator.concurrent("w", List.of(second(0, 40)));

        statistics.onFinished("dc1", Map.of("w", totals));
        statistics.onProgress("dc1", Map.of("w", List.of(second(4, 99))));

        WorkflowReport report = statistics.reports(Map.of()).get(0);
        assertThat(report.steps().get(0).currentRequestsPerSecond()).isZero();
        assertThat(report.steps().get(0).requests()).isEqualTo(40);
        assertThat(statistics.finished("dc1")).isTrue();
    }

    @Test
    void aWorkflowThatHasEndedInADatacenterHasNoCurrentRateThereThoughTheJobRunsOn() {
        JobStatistics statistics = new JobStatistics(List.of("dc1"), List.of("w"));
        for (long s = 0; s < 3; s++) {
            statistics.onProgress("dc1", Map.of("w", List.of(second(s, 10))));
        }

        Map<String, Map<String, WorkflowState>> ended = Map.of("dc1", Map.of("w", WorkflowState.COMPLETED));
        assertThat(statistics.reports(ended).get(0).steps().get(0).currentRequestsPerSecond()).isZero();
        assertThat(statistics.reports("dc1", ended.get("dc1")).get(0).steps().get(0).currentRequestsPerSecond())
                .isZero();
        assertThat(statistics.reports(Map.of("dc1", Map.of("w", WorkflowState.RUNNING))).get(0).steps().get(0)
                .currentRequestsPerSecond()).isEqualTo(10);
    }

    @Test
    void theWorkflowStateShownIsTheWorkflowsOwnOverItsDatacenters() {
        JobStatistics statistics = new JobStatistics(List.of("dc1", "dc2"), List.of("w"));

        assertThat(statistics.reports(Map.of("dc1", Map.of("w", WorkflowState.COMPLETED), "dc2",
                Map.of("w", WorkflowState.COMPLETED))).get(0).state()).isEqualTo(WorkflowState.COMPLETED);
        assertThat(statistics.reports(Map.of("dc1", Map.of("w", WorkflowState.PENDING))).get(0).state())
                .isEqualTo(WorkflowState.PENDING);
        assertThat(statistics.reports(Map.of()).get(0).state()).isNull();
    }

    @Test
    void windowsForAWorkflowOrDatacenterTheJobDoesNotHaveAreIgnored() {
        JobStatistics statistics = new JobStatistics(List.of("dc1"), List.of("w"));

        statistics.onProgress("dc9", Map.of("w", List.of(second(0, 10))));
        statistics.onProgress("dc1", Map.of("other", List.of(new WorkflowWindow("other", T0, T0 + 1000, 1, 0, 1,
                List.of()))));

        assertThat(statistics.totals()).containsOnlyKeys("w");
        assertThat(statistics.totals().get("w").iterations()).isZero();
        assertThat(statistics.perDatacenter("dc1")).isEmpty();
    }

    @Test
    void aLearningReaderTakesDatacentersAndWorkflowsInTheOrderItHearsOfThem() {
        JobStatistics statistics = JobStatistics.learning();

        statistics.onProgress("dc2", Map.of("w", List.of(second(0, 10))));
        statistics.onFinished("dc1", Map.of("w", second(0, 5)));

        assertThat(statistics.datacenters()).containsExactly("dc2", "dc1");
        assertThat(statistics.totals().get("w").steps().get(0).requests()).isEqualTo(15);
    }

    @Test
    void acrossDatacentersAWorkflowRunsUntilItHasEndedEverywhere() {
        assertThat(WorkflowState.across(List.of(WorkflowState.COMPLETED, WorkflowState.PENDING)))
                .isEqualTo(WorkflowState.RUNNING);
        assertThat(WorkflowState.across(List.of(WorkflowState.DISPATCHED, WorkflowState.PENDING)))
                .isEqualTo(WorkflowState.DISPATCHED);
        assertThat(WorkflowState.across(List.of(WorkflowState.COMPLETED, WorkflowState.FAILED,
                WorkflowState.CANCELLED))).isEqualTo(WorkflowState.FAILED);
        assertThat(WorkflowState.across(List.of(WorkflowState.COMPLETED, WorkflowState.CANCELLED)))
                .isEqualTo(WorkflowState.CANCELLED);
    }
}
