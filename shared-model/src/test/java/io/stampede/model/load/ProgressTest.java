package io.stampede.model.load;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProgressTest {

    /** AD-19: actual against expected, ≥ 0.8 normal, ≥ 0.3 slow, > 0 degraded, 0 stuck. */
    @ParameterizedTest(name = "{0} of {1} → {2}")
    @CsvSource({
        "0, 0, UNKNOWN", "5, 0, UNKNOWN", "10, 10, NORMAL", "8, 10, NORMAL", "79, 100, SLOW", "3, 10, SLOW",
        "29, 100, DEGRADED", "1, 100, DEGRADED", "0, 10, STUCK",
    })
    void startedAgainstDueIsJudgedByTheReferenceThresholds(long started, long due, Progress expected) {
        assertThat(Progress.of(started, due)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} worst {1} = {2}")
    @CsvSource({ "UNKNOWN, NORMAL, NORMAL", "SLOW, NORMAL, SLOW", "STUCK, DEGRADED, STUCK" })
    void theWorstOfTwoIsTheFurtherBehind(Progress a, Progress b, Progress worst) {
        assertThat(a.worst(b)).isEqualTo(worst);
        assertThat(b.worst(a)).isEqualTo(worst);
    }
}
