package io.stampede.model.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class WorkflowAccumulatorTest {

    static WorkflowWindow window(long start, long end, long requests) {
        var histogram = LatencyHistograms.create();
        for (int i = 0; i < requests; i++) {
            histogram.recordValue(1_000);
        }
        return new WorkflowWindow("w", start, end, requests, 0, 1, requests == 0 ? List.of()
                : List.of(new StepWindow("s", requests, requests, Map.of(), 0, 0, Map.of(),
                        LatencyHistograms.encode(histogram))));
    }

    /** A datacenter or worker whose share was empty reports 0..0: its counts add, its span does not. */
    @Test
    void anEmptyShareAddsNoSpan() {
        long start = 1_700_000_000_000L;
        WorkflowWindow merged = WorkflowAccumulator.concurrent("w", List.of(window(0, 0, 0),
                window(start, start + 2_000, 10)));

        assertThat(merged.startMillis()).isEqualTo(start);
        assertThat(merged.seconds()).isEqualTo(2.0);
        assertThat(WorkflowReport.of(merged).steps().get(0).requestsPerSecond()).isEqualTo(5.0);
        assertThat(new WorkflowAccumulator("w").addLater(window(0, 0, 0)).addLater(window(start, start + 1_000, 1))
                .toWindow().startMillis()).as("in time order too").isEqualTo(start);
    }
}
