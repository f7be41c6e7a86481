package io.stampede.cluster.overload;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.stampede.model.load.LoadState;
import io.stampede.model.load.Priority;

/** AD-22: busy drops LOW, stressed also NORMAL, overloaded keeps only CRITICAL. */
class SheddingTest {

    @ParameterizedTest(name = "{0}: CRITICAL {1}, HIGH {2}, NORMAL {3}, LOW {4}")
    @CsvSource({
        "HEALTHY,    true, true,  true,  true",
        "BUSY,       true, true,  true,  false",
        "STRESSED,   true, true,  false, false",
        "OVERLOADED, true, false, false, false",
    })
    void eachStateShedsTheLowerPriorities(LoadState state, boolean critical, boolean high, boolean normal,
            boolean low) {
        assertThat(state.admits(Priority.CRITICAL)).isEqualTo(critical);
        assertThat(state.admits(Priority.HIGH)).isEqualTo(high);
        assertThat(state.admits(Priority.NORMAL)).isEqualTo(normal);
        assertThat(state.admits(Priority.LOW)).isEqualTo(low);
    }

    @ParameterizedTest(name = "{0} worst {1} = {2}")
    @CsvSource({ "HEALTHY, BUSY, BUSY", "OVERLOADED, BUSY, OVERLOADED", "STRESSED, STRESSED, STRESSED" })
    void theWorstOfTwoIsTheMoreLoaded(LoadState a, LoadState b, LoadState worst) {
        assertThat(a.worst(b)).isEqualTo(worst);
        assertThat(b.worst(a)).isEqualTo(worst);
    }
}
