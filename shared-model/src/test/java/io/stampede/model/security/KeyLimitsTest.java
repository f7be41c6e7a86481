package io.stampede.model.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.stampede.model.job.JobSpec;
import io.stampede.model.job.JobSpecParser;
import io.stampede.model.job.Problem;

class KeyLimitsTest {

    private static final KeyLimits LIMITS = KeyLimits.parse("vus=100;rate=50;duration=30m");
    private static final String STEPS = "steps: [{name: s, request: {url: \"http://h/\"}}]";

    private static JobSpec job(String text) {
        return JobSpecParser.parse("name: j\n" + text);
    }

    static Stream<Arguments> jobs() {
        return Stream.of(
                Arguments.of("closed vus at the limit", "workflows:\n  - {name: a, vus: 100, duration: 1m, " + STEPS + "}",
                        List.of()),
                Arguments.of("closed vus and open maxVus added up over the limit",
                        "workflows:\n  - {name: a, vus: 60, duration: 1m, " + STEPS + "}\n"
                                + "  - {name: b, rate: 5, duration: 1m, maxVus: 41, " + STEPS + "}",
                        List.of(new Problem("workflows", "101 virtual users at once (closed workflows' vus and open"
                                + " workflows' maxVus, added up) is over this caller's limit of 100"))),
                Arguments.of("an open workflow's default maxVus counts",
                        "workflows:\n  - {name: b, rate: 5, duration: 1m, " + STEPS + "}",
                        List.of(new Problem("workflows", "1000 virtual users at once (closed workflows' vus and open"
                                + " workflows' maxVus, added up) is over this caller's limit of 100"))),
                Arguments.of("a stage's peak over the rate limit, the start under it",
                        "workflows:\n  - {name: b, rate: 10, stages: [{duration: 1m, target: 50.5},"
                                + " {duration: 1m, target: 0}], maxVus: 10, " + STEPS + "}",
                        List.of(new Problem("workflows", "50.5 iterations a second at the peak (open workflows'"
                                + " highest rates, added up) is over this caller's limit of 50"))),
                Arguments.of("a peak a little over the limit is not rounded to it",
                        "workflows:\n  - {name: a, rate: 50.004, duration: 1m, maxVus: 10, " + STEPS + "}",
                        List.of(new Problem("workflows", "50.004 iterations a second at the peak (open workflows'"
                                + " highest rates, added up) is over this caller's limit of 50"))),
                Arguments.of("two open workflows' rates added up",
                        "workflows:\n  - {name: a, rate: 25, duration: 1m, maxVus: 10, " + STEPS + "}\n"
                                + "  - {name: b, rate: 26, duration: 1m, maxVus: 10, " + STEPS + "}",
                        List.of(new Problem("workflows", "51 iterations a second at the peak (open workflows'"
                                + " highest rates, added up) is over this caller's limit of 50"))),
                Arguments.of("a timeout over the duration limit",
                        "timeout: 1h\nworkflows:\n  - {name: a, vus: 1, iterations: 1, " + STEPS + "}",
                        List.of(new Problem("timeout", "1h is longer than this caller's limit of 30m"))),
                Arguments.of("a closed workflow's duration and an open schedule over the limit",
                        "workflows:\n  - {name: a, vus: 1, duration: 31m, " + STEPS + "}\n"
                                + "  - {name: b, rate: 1, stages: [{duration: 20m, target: 2}, {duration: 20m, target: 2}],"
                                + " maxVus: 5, " + STEPS + "}",
                        List.of(new Problem("workflows[0].duration", "runs for 31m, longer than this caller's limit of 30m"),
                                new Problem("workflows[1]", "runs for 40m, longer than this caller's limit of 30m"))),
                Arguments.of("iterations only, no timeout: within (the key's duration becomes the timeout)",
                        "workflows:\n  - {name: a, vus: 5, iterations: 1000000, " + STEPS + "}", List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jobs")
    void aJobOverAKeysLimitsIsToldEachExcessAtItsPath(String what, String job, List<Problem> expected) {
        assertThat(LIMITS.check(job(job))).as(what).isEqualTo(expected);
        assertThat(KeyLimits.NONE.check(job(job))).isEmpty();
    }

    @Test
    void aJobWithoutATimeoutIsGivenTheKeysDurationAndOneWithATimeoutKeepsIt() {
        String workflows = "workflows:\n  - {name: a, vus: 1, iterations: 1, " + STEPS + "}";
        assertThat(LIMITS.timeout(job(workflows))).contains(Duration.ofMinutes(30));
        assertThat(LIMITS.timeout(job("timeout: 5m\n" + workflows))).contains(Duration.ofMinutes(5));
        assertThat(KeyLimits.NONE.timeout(job(workflows))).isEmpty();
    }

    @Test
    void limitsAreWrittenAsTheyAreReadAndEachPartIsOptional() {
        assertThat(LIMITS.text()).isEqualTo("vus=100;rate=50;duration=30m");
        assertThat(KeyLimits.parse(LIMITS.text())).isEqualTo(LIMITS);
        assertThat(KeyLimits.parse("rate=2.5").text()).isEqualTo("rate=2.5");
        assertThat(KeyLimits.parse(" VUS = 3 ; ").maxVus()).hasValue(3);
        assertThat(KeyLimits.parse("")).isEqualTo(KeyLimits.NONE);
        assertThat(KeyLimits.NONE.none()).isTrue();
        assertThat(LIMITS.none()).isFalse();
    }

    @Test
    void aWrongLimitSaysWhichWithoutEchoingTheText() {
        String pasted = "stk_a-key-pasted-in-the-wrong-place";
        assertThatThrownBy(() -> KeyLimits.parse(pasted)).hasMessage("each limit is vus=N, rate=R or duration=D")
                .message().doesNotContain(pasted);
        assertThatThrownBy(() -> KeyLimits.parse("vus=" + pasted)).hasMessage("vus must be a whole number above 0");
        assertThatThrownBy(() -> KeyLimits.parse("vus=0")).hasMessage("vus must be a whole number above 0");
        assertThatThrownBy(() -> KeyLimits.parse("rate=-1")).hasMessage("rate must be a number above 0 (iterations a second)");
        assertThatThrownBy(() -> KeyLimits.parse("rate=Infinity")).hasMessageStartingWith("rate must be");
        assertThatThrownBy(() -> KeyLimits.parse("duration=" + pasted))
                .hasMessage("duration must be a duration above 0, such as 30m or 2h");
        assertThatThrownBy(() -> KeyLimits.parse("duration=0s")).hasMessageStartingWith("duration must be");
    }
}
