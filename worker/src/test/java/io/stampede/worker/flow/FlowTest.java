package io.stampede.worker.flow;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.stampede.model.job.LoadShare;
import io.stampede.model.load.Backpressure;
import io.stampede.model.load.LoadState;
import io.stampede.model.stats.LatencyHistograms;
import io.stampede.model.stats.StepWindow;
import io.stampede.model.stats.WorkflowAccumulator;
import io.stampede.model.stats.WorkflowWindow;
import io.stampede.testkit.ManualClock;

class FlowTest {

    private static final long MIB = 1 << 20;

    @ParameterizedTest(name = "{0} MiB of a 100 MiB budget → {1}")
    @CsvSource({ "0, HEALTHY", "84, HEALTHY", "85, STRESSED", "99, STRESSED", "100, OVERLOADED", "300, OVERLOADED" })
    void theHeapAgainstTheBudgetGivesTheState(long usedMib, LoadState state) {
        assertThat(MemoryGuard.stateOf(usedMib * MIB, 100 * MIB)).isEqualTo(state);
    }

    @Test
    void aShareIsRefusedWhenItsVirtualUsersDoNotFitWhatIsLeft() {
        long perVu = 16 * 1024;
        // 1,000 VUs need 15.6 MiB: they fit in 40 MiB left, not in 10.
        assertThat(MemoryGuard.refusal(new LoadShare(1_000, 0, 0, 1), 60 * MIB, 100 * MIB, perVu)).isEmpty();
        assertThat(MemoryGuard.refusal(new LoadShare(1_000, 0, 0, 1), 90 * MIB, 100 * MIB, perVu)).get()
                .asString().contains("1000 virtual users need about 15 MiB", "10 MiB left of 100 MiB");
        // An open-model share is judged by its most virtual users.
        assertThat(MemoryGuard.refusal(new LoadShare(0, 1.0, 10_000, 1), 0, 100 * MIB, perVu)).isPresent();
    }

    @Test
    void aBatcherMergesWindowsExactlyUntilTheyFillTheLevelsWindow() {
        AtomicReference<Backpressure> level = new AtomicReference<>(Backpressure.NONE);
        List<WorkflowWindow> sent = new ArrayList<>();
        WindowBatcher batcher = new WindowBatcher(() -> level.get().window(), sent::add);
        List<WorkflowWindow> windows = new ArrayList<>();
        for (int second = 0; second < 12; second++) {
            windows.add(window(second));
        }
        batcher.accept(windows.get(0));
        assertThat(sent).hasSize(1);
        level.set(Backpressure.BATCH);
        for (int second = 1; second < 12; second++) {
            batcher.accept(windows.get(second));
        }
        // Merged up to the clock's multiples of 5 s: seconds 1-4, then 5-9; 10 and 11 held until the flush.
        assertThat(sent).hasSize(3);
        assertThat(sent.get(1).startMillis()).isEqualTo(1_000);
        assertThat(sent.get(1).endMillis()).isEqualTo(5_000);
        assertThat(sent.get(2).startMillis()).isEqualTo(5_000);
        assertThat(sent.get(2).endMillis()).isEqualTo(10_000);
        batcher.flush();
        assertThat(sent).hasSize(4);
        WorkflowAccumulator before = new WorkflowAccumulator("w");
        windows.forEach(before::addLater);
        WorkflowAccumulator after = new WorkflowAccumulator("w");
        sent.forEach(after::addLater);
        assertThat(after.toWindow()).isEqualTo(before.toWindow());
    }

    @Test
    void aLevelFromAnOlderLeaderIsIgnoredAndALevelNotRepeatedLapses() {
        ManualClock clock = new ManualClock(Instant.ofEpochMilli(1_000));
        WorkerFlow flow = new WorkerFlow(clock);
        flow.heard(5, Backpressure.BATCH);
        flow.heard(4, Backpressure.NONE);
        assertThat(flow.level()).isEqualTo(Backpressure.BATCH);
        clock.advance(Duration.ofMillis(WorkerFlow.EXPIRES_AFTER_MILLIS));
        assertThat(flow.level()).isEqualTo(Backpressure.BATCH);
        clock.advance(Duration.ofMillis(1));
        assertThat(flow.level()).isEqualTo(Backpressure.NONE);
    }

    @Test
    void aFenceLapsesWithItsLevelSoAnInflatedOneCannotSilenceTheNextLeader() {
        ManualClock clock = new ManualClock(Instant.ofEpochMilli(1_000));
        WorkerFlow flow = new WorkerFlow(clock);
        // A taken-over manager claims the most a record may carry; the real leader's term is 7.
        flow.heard(1L << 40, Backpressure.REJECT);
        flow.heard(7, Backpressure.THROTTLE);
        assertThat(flow.level()).isEqualTo(Backpressure.REJECT);
        clock.advance(Duration.ofMillis(WorkerFlow.EXPIRES_AFTER_MILLIS + 1));
        flow.heard(7, Backpressure.THROTTLE);
        assertThat(flow.level()).isEqualTo(Backpressure.THROTTLE);
        // The real leader's fence holds from then on: an older leader's level is ignored again.
        flow.heard(6, Backpressure.BATCH);
        assertThat(flow.level()).isEqualTo(Backpressure.THROTTLE);
    }

    private static WorkflowWindow window(int second) {
        Histogram latencies = new Histogram(3);
        latencies.recordValue(1_000 + second * 100L);
        return new WorkflowWindow("w", second * 1_000L, (second + 1) * 1_000L, 1, 0, 2,
                List.of(new StepWindow("get", 1, 1, Map.of(), 10, 20, Map.of(), LatencyHistograms.encode(latencies))));
    }
}
