package io.stampede.gate.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.stampede.gate.routing.FailureCorrelation.Severity;

class ProbeStateTest {

    @Test
    void probingUntilTheFirstAnswerThenReachable() {
        ProbeState probe = new ProbeState();
        assertThat(probe.reachability()).isEqualTo(Reachability.PROBING);
        probe.failed("connection refused", 0);
        assertThat(probe.evaluate(60_000, Severity.NONE)).isEqualTo(Reachability.PROBING);
        assertThat(probe.lastFailure()).isEqualTo("connection refused");
        probe.answered();
        assertThat(probe.reachability()).isEqualTo(Reachability.REACHABLE);
        assertThat(probe.lastFailure()).isEmpty();
    }

    @Test
    void aDatacenterWhoseProbesNeverGetThroughIsSuspectedThenUnreachable() {
        ProbeState probe = new ProbeState();
        for (int i = 1; i <= 5; i++) {
            probe.failed("connection refused", i * 2_000L);
        }
        assertThat(probe.evaluate(10_000, Severity.NONE)).isEqualTo(Reachability.SUSPECTED);
        assertThat(probe.evaluate(40_000, Severity.NONE)).isEqualTo(Reachability.UNREACHABLE);
    }

    @Test
    void fiveFailuresInARowSuspectAndThirtySecondsOfSuspicionEvict() {
        ProbeState probe = new ProbeState();
        probe.answered();
        for (int i = 1; i <= 4; i++) {
            probe.failed("deadline", i * 2_000L);
        }
        assertThat(probe.evaluate(8_000, Severity.NONE)).isEqualTo(Reachability.REACHABLE);
        probe.failed("deadline", 10_000);
        assertThat(probe.evaluate(10_000, Severity.NONE)).isEqualTo(Reachability.SUSPECTED);
        assertThat(probe.evaluate(39_999, Severity.NONE)).isEqualTo(Reachability.SUSPECTED);
        assertThat(probe.evaluate(40_000, Severity.NONE)).isEqualTo(Reachability.UNREACHABLE);
    }

    @Test
    void anAnswerInBetweenStartsTheCountAgain() {
        ProbeState probe = new ProbeState();
        probe.answered();
        for (int i = 1; i <= 4; i++) {
            probe.failed("deadline", i);
        }
        probe.answered();
        probe.failed("deadline", 6);
        assertThat(probe.evaluate(7, Severity.NONE)).isEqualTo(Reachability.REACHABLE);
        assertThat(probe.failures()).isEqualTo(1);
    }

    @Test
    void correlatedFailuresDelayEvictionBySixtySeconds() {
        ProbeState probe = new ProbeState();
        probe.answered();
        for (int i = 1; i <= 5; i++) {
            probe.failed("deadline", i * 1_000L);
        }
        assertThat(probe.evaluate(35_000, Severity.LOW)).as("two at once is not enough to wait")
                .isEqualTo(Reachability.UNREACHABLE);
        ProbeState correlated = new ProbeState();
        correlated.answered();
        for (int i = 1; i <= 5; i++) {
            correlated.failed("deadline", i * 1_000L);
        }
        assertThat(correlated.evaluate(35_000, Severity.MEDIUM)).isEqualTo(Reachability.SUSPECTED);
        assertThat(correlated.evaluate(94_999, Severity.HIGH)).isEqualTo(Reachability.SUSPECTED);
        assertThat(correlated.evaluate(95_000, Severity.HIGH)).isEqualTo(Reachability.UNREACHABLE);
    }

    @Test
    void severityCountsDatacentersFailingWithinThirtySeconds() {
        List<ProbeState> states = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ProbeState state = new ProbeState();
            state.answered();
            states.add(state);
        }
        assertThat(FailureCorrelation.severity(states, 1_000)).isEqualTo(Severity.NONE);
        states.get(0).failed("x", 1_000);
        assertThat(FailureCorrelation.severity(states, 1_000)).isEqualTo(Severity.NONE);
        states.get(1).failed("x", 1_000);
        assertThat(FailureCorrelation.severity(states, 1_000)).isEqualTo(Severity.LOW);
        states.get(2).failed("x", 1_000);
        assertThat(FailureCorrelation.severity(states, 1_000)).isEqualTo(Severity.MEDIUM);
        states.get(3).failed("x", 1_000);
        assertThat(FailureCorrelation.severity(states, 1_000)).as("four of eight").isEqualTo(Severity.HIGH);
        assertThat(FailureCorrelation.severity(states, 31_001)).as("all outside the window").isEqualTo(Severity.NONE);
        assertThat(FailureCorrelation.severity(states.subList(0, 3), 1_000)).isEqualTo(Severity.MEDIUM);
    }
}
