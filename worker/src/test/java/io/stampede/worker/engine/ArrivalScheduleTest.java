package io.stampede.worker.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.stampede.model.job.WorkflowSpec.Stage;

class ArrivalScheduleTest {

    private static List<Long> all(ArrivalSchedule schedule) {
        List<Long> times = new ArrayList<>();
        for (long t = schedule.nextArrivalNanos(); t >= 0; t = schedule.nextArrivalNanos()) {
            times.add(t);
        }
        return times;
    }

    @Test
    void aConstantRateSpacesArrivalsEvenly() {
        List<Long> times = all(new ArrivalSchedule(10, List.of(new Stage(Duration.ofSeconds(2), 10)), 1));

        assertThat(times).hasSize(20);
        for (int k = 0; k < times.size(); k++) {
            assertThat(times.get(k)).isEqualTo(k * 100_000_000L);
        }
    }

    @Test
    void aRampFromZeroFollowsTheIntegralOfTheRate() {
        // Rate 0 -> 10/s over 2 s: N(t) = 2.5 t², so 10 arrivals, the k-th at sqrt(k / 2.5) s.
        List<Long> times = all(new ArrivalSchedule(0, List.of(new Stage(Duration.ofSeconds(2), 10)), 1));

        assertThat(times).hasSize(10);
        for (int k = 0; k < times.size(); k++) {
            assertThat(times.get(k) / 1e9).isCloseTo(Math.sqrt(k / 2.5), within(1e-6));
        }
    }

    @Test
    void stagesFollowEachOtherAndAShareScalesTheRate() {
        List<Stage> stages = List.of(new Stage(Duration.ofSeconds(1), 100), new Stage(Duration.ofSeconds(1), 100),
                new Stage(Duration.ofSeconds(1), 0));
        // 50 + 100 + 50 arrivals at the whole rate; a quarter share gets a quarter of them.
        assertThat(all(new ArrivalSchedule(0, stages, 1))).hasSize(200);
        List<Long> quarter = all(new ArrivalSchedule(0, stages, 0.25));
        assertThat(quarter).hasSize(50);
        assertThat(quarter).isSorted();
        assertThat(quarter.get(quarter.size() - 1)).isLessThan(3_000_000_000L);
    }

    @Test
    void solvesWithinAStage() {
        assertThat(ArrivalSchedule.solve(10, 10, 1, 5)).isCloseTo(0.5, within(1e-12));
        assertThat(ArrivalSchedule.solve(10, 0, 1, 5)).isCloseTo(1.0, within(1e-9));
        assertThat(ArrivalSchedule.solve(0, 10, 2, 0)).isZero();
    }
}
