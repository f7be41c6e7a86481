package io.stampede.model.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class LoadShareTest {

    @Test
    void splitsVirtualUsersByWeightWithRemaindersToTheLargestFractions() {
        List<LoadShare> parts = new LoadShare(10, 0, 0, 1).split(List.of(1, 1, 1));

        assertThat(parts).extracting(LoadShare::vus).containsExactly(4, 3, 3);
        assertThat(parts).extracting(LoadShare::firstVu).containsExactly(1L, 5L, 8L);
    }

    @Test
    void splitsTheRateAndMaxVusOfTheOpenModel() {
        List<LoadShare> parts = new LoadShare(0, 1, 100, 1).split(List.of(4, 2, 2));

        assertThat(parts).extracting(LoadShare::rateFactor).containsExactly(0.5, 0.25, 0.25);
        assertThat(parts).extracting(LoadShare::maxVus).containsExactly(50, 25, 25);
        assertThat(parts).extracting(LoadShare::firstVu).containsExactly(1L, 51L, 76L);
    }

    @Test
    void aWorkerWithNoWeightGetsNothing() {
        List<LoadShare> parts = new LoadShare(3, 0, 0, 11).split(List.of(0, 2, 1));

        assertThat(parts).extracting(LoadShare::vus).containsExactly(0, 2, 1);
        assertThat(parts.get(0).isEmpty()).isTrue();
        assertThat(parts).extracting(LoadShare::firstVu).containsExactly(11L, 11L, 13L);
    }

    @Test
    void refusesToSplitAcrossNothing() {
        assertThatThrownBy(() -> new LoadShare(3, 0, 0, 1).split(List.of(0, 0)))
                .hasMessageContaining("no positive weight");
        assertThatThrownBy(() -> new LoadShare(-1, 0, 0, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
