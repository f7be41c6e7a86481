package io.stampede.model.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class UnaccountedTest {

    private static WorkflowWindow window(long startMillis, long endMillis, long requests) {
        return new WorkflowWindow("w", startMillis, endMillis, requests, 0, 1, List.of(new StepWindow("s", requests,
                requests, Map.of(), 0, 0, Map.of(), LatencyHistograms.encode(LatencyHistograms.create()))));
    }

    @Test
    void aLostWorkerMayHaveSentTwoAndAHalfWindowsAtItsLastRate() {
        Unaccounted one = Unaccounted.NONE.plusLost("w1", window(0, 1000, 200));

        assertThat(one.requestsAtMost()).isEqualTo(500);
        assertThat(one.workers()).containsExactly("w1");
        assertThat(one.any()).isTrue();
        // A short last window (its share's end) still counts as a whole window at its rate.
        assertThat(Unaccounted.NONE.plusLost("w2", window(0, 250, 50)).requestsAtMost()).isEqualTo(500);
    }

    @Test
    void aWorkerLostBeforeItsFirstWindowIsNamedThoughItAddsNoBound() {
        Unaccounted none = Unaccounted.NONE.plusLost("w3", null);

        assertThat(none.workers()).containsExactly("w3");
        assertThat(none.requestsAtMost()).isZero();
    }

    @Test
    void datacentersPartsAddUpAndNothingLostIsNone() {
        Unaccounted dc1 = Unaccounted.NONE.plusLost("w1", window(0, 1000, 10));
        Unaccounted dc2 = Unaccounted.NONE.plusLost("w2", window(0, 1000, 20));

        assertThat(dc1.plus(dc2).requestsAtMost()).isEqualTo(75);
        assertThat(dc1.plus(dc2).workers()).containsExactly("w1", "w2");
        assertThat(dc1.plus(Unaccounted.NONE)).isEqualTo(dc1);
        assertThat(Unaccounted.NONE.any()).isFalse();
    }
}
