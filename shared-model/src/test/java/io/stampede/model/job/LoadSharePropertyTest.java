package io.stampede.model.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** However a share is split, the parts add up exactly and their virtual user numbers never overlap. */
class LoadSharePropertyTest {

    @Property
    void partsAddUpExactlyAndNumbersNeverOverlap(@ForAll @IntRange(max = 100_000) int vus,
            @ForAll @IntRange(min = 1, max = 100_000) int maxVus,
            @ForAll @Size(min = 1, max = 20) List<@IntRange(min = 0, max = 64) Integer> weights) {
        if (weights.stream().mapToInt(Integer::intValue).sum() == 0) {
            return;
        }
        List<LoadShare> closed = new LoadShare(vus, 0, 0, 1).split(weights);
        assertThat(closed.stream().mapToInt(LoadShare::vus).sum()).isEqualTo(vus);
        long next = 1;
        for (LoadShare part : closed) {
            assertThat(part.firstVu()).isEqualTo(next);
            next += part.vus();
        }

        List<LoadShare> open = new LoadShare(0, 1, maxVus, 1).split(weights);
        assertThat(open.stream().mapToDouble(LoadShare::rateFactor).sum()).isCloseTo(1.0, within(1e-9));
        assertThat(open.stream().mapToInt(LoadShare::maxVus).sum()).isGreaterThanOrEqualTo(maxVus);
        for (int i = 0; i < weights.size(); i++) {
            if (weights.get(i) == 0) {
                assertThat(open.get(i).isEmpty()).isTrue();
            }
        }
    }
}
