package io.stampede.model.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Collections;
import java.util.List;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.stampede.model.SeededGenerator;

/**
 * However a share is split, the parts add up exactly and their virtual user numbers never overlap.
 * Each case comes from a seed ({@link SeededGenerator}); a failure names its seed, and
 * {@code -Dstampede.test.seed=<seed>} replays it.
 */
class LoadSharePropertyTest {

    static LongStream seeds() {
        return SeededGenerator.seeds(1_000);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void partsAddUpExactlyAndNumbersNeverOverlap(long seed) {
        SeededGenerator generate = new SeededGenerator(seed);
        int vus = generate.intBetween(0, 100_000);
        int maxVus = generate.intBetween(1, 100_000);
        // 1 to 20 parts (workers or datacenters), each weighted by 0 to 64 free cores.
        List<Integer> weights = generate.listOf(1, 20, () -> generate.intBetween(0, 64));

        check("seed " + seed, vus, maxVus, weights);
    }

    /** The edges, whatever the seeds draw. */
    @Test
    void edgeSharesAddUpExactlyToo() {
        check("nothing to split", 0, 1, List.of(1));
        check("the most over the most parts", 100_000, 100_000, Collections.nCopies(20, 64));
        check("less to split than parts", 1, 1, List.of(0, 64, 1, 0, 64));
    }

    private static void check(String name, int vus, int maxVus, List<Integer> weights) {
        String described = name + " (" + vus + " vus, " + maxVus + " max vus, weights " + weights + ")";
        if (weights.stream().allMatch(weight -> weight == 0)) {
            assertThatThrownBy(() -> new LoadShare(vus, 0, 0, 1).split(weights)).as("%s: no positive weight", described)
                    .isInstanceOf(IllegalArgumentException.class);
            return;
        }

        List<LoadShare> closed = new LoadShare(vus, 0, 0, 1).split(weights);
        assertThat(closed.stream().mapToInt(LoadShare::vus).sum()).as("%s: closed, vus of the parts", described)
                .isEqualTo(vus);
        long next = 1;
        for (int i = 0; i < closed.size(); i++) {
            assertThat(closed.get(i).firstVu()).as("%s: closed, first vu of part %d", described, i).isEqualTo(next);
            next += closed.get(i).vus();
        }

        List<LoadShare> open = new LoadShare(0, 1, maxVus, 1).split(weights);
        assertThat(open.stream().mapToDouble(LoadShare::rateFactor).sum()).as("%s: open, rate factors", described)
                .isCloseTo(1.0, within(1e-9));
        assertThat(open.stream().mapToInt(LoadShare::maxVus).sum()).as("%s: open, max vus of the parts", described)
                .isGreaterThanOrEqualTo(maxVus);
        for (int i = 0; i < weights.size(); i++) {
            if (weights.get(i) == 0) {
                assertThat(open.get(i).isEmpty()).as("%s: open, part %d of weight 0 is empty", described, i).isTrue();
            }
        }
    }
}
