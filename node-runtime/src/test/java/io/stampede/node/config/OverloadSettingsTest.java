package io.stampede.node.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.quarkus.runtime.configuration.MemorySize;

class OverloadSettingsTest {

    /** The defaults as declared in {@link NodeConfig.Overload}, each overridable. */
    record Overload(boolean shedding, Duration latencyFloor, boolean rateLimit, Duration ratePeriod, int submitRate,
            int submitBurst, int readRate, int listRate, int cancelRate, int maxEventStreams,
            int maxEventStreamsPerClient, double memoryBudget, MemorySize memoryPerVu) implements NodeConfig.Overload {

        static Overload defaults() {
            return new Overload(true, Duration.ofMillis(100), true, Duration.ofSeconds(10), 50, 10, 500, 100, 20,
                    1_000, 20, 0.9, new MemorySize(java.math.BigInteger.valueOf(16 * 1024)));
        }
    }

    @Test
    void theDefaultsAreUsable() {
        assertThat(OverloadSettings.problems(Overload.defaults())).isEmpty();
    }

    @Test
    void everyValueOutOfRangeIsNamed() {
        Overload bad = new Overload(true, Duration.ZERO, true, Duration.ofSeconds(-1), 0, 0, 0, 0, 0, 0, 0, 1.5,
                new MemorySize(java.math.BigInteger.ZERO));
        assertThat(OverloadSettings.problems(bad)).hasSize(11).anySatisfy(problem -> assertThat(problem)
                .startsWith("stampede.overload.memory-budget: 1.5 is not a share of the heap"))
                .anySatisfy(problem -> assertThat(problem).startsWith("stampede.overload.submit-burst: 0"));
    }
}
