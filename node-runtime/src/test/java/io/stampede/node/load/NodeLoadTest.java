package io.stampede.node.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.stampede.cluster.overload.OverloadDetector;
import io.stampede.model.load.LoadState;

class NodeLoadTest {

    private static LoadState judged(double cpu) {
        return OverloadDetector.DEFAULTS.cpu().of(cpu);
    }

    @Test
    void oneBusySecondFirstAfterTheWarmUpDoesNotMakeANodeOverloaded() {
        // The first second judged after a start on a busy machine: the whole machine's CPU.
        double cpu = NodeLoad.smooth(NodeLoad.CPU_BEFORE_ANY_READING, 1.0);
        assertThat(judged(cpu)).isEqualTo(LoadState.HEALTHY);
        // Busy second after second: BUSY on the 4th, STRESSED on the 6th, OVERLOADED on the 9th.
        LoadState[] states = new LoadState[9];
        cpu = NodeLoad.CPU_BEFORE_ANY_READING;
        for (int second = 0; second < states.length; second++) {
            cpu = NodeLoad.smooth(cpu, 1.0);
            states[second] = judged(cpu);
        }
        assertThat(states).containsExactly(LoadState.HEALTHY, LoadState.HEALTHY, LoadState.HEALTHY, LoadState.BUSY,
                LoadState.BUSY, LoadState.STRESSED, LoadState.STRESSED, LoadState.STRESSED, LoadState.OVERLOADED);
    }

    @Test
    void theReadingThatCoversTheStartIsTakenDuringTheWarmUpAndDropped() {
        // As the JDK's reading does, each covers the time since the one before: the first, the whole
        // start (the machine busy compiling), and from then on each second an idle one.
        AtomicInteger calls = new AtomicInteger();
        NodeLoad load = new NodeLoad(Duration.ofMillis(20), () -> calls.incrementAndGet() == 1 ? 1.0 : 0.05);
        long second = 1_000_000_000L;
        load.started(0);
        for (long at = 1; at * second < NodeLoad.WARM_UP_NANOS; at++) {
            load.tick(at * second);
            assertThat(load.state()).isEqualTo(LoadState.HEALTHY);
        }
        assertThat(calls.get()).as("the warm-up reads the CPU").isPositive();
        load.tick(NodeLoad.WARM_UP_NANOS);
        assertThat(load.signals().cpu()).isCloseTo(NodeLoad.smooth(NodeLoad.CPU_BEFORE_ANY_READING, 0.05),
                org.assertj.core.api.Assertions.within(1e-9));
    }

    @Test
    void aNodeWhoseCpuCannotBeReadIsJudgedWithoutIt() {
        NodeLoad load = new NodeLoad(Duration.ofMillis(20), null);
        load.started(0);
        load.tick(NodeLoad.WARM_UP_NANOS);
        assertThat(load.signals().cpu()).isNaN();
    }

    @Test
    void anUnknownReadingChangesNothing() {
        assertThat(NodeLoad.smooth(0.4, Double.NaN)).isEqualTo(0.4);
        assertThat(NodeLoad.smooth(0.4, -1)).isEqualTo(0.4);
        assertThat(NodeLoad.smooth(Double.NaN, Double.NaN)).isNaN();
    }
}
