package io.stampede.node.startup;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class NodeMainTest {

    @Test
    void findsOurSettingsProblemsAnywhereInTheCauseChain() {
        var failure = new RuntimeException("Failed to start quarkus",
                new IllegalStateException("observer failed", new InvalidSettingsException(List.of("a: b", "c: d"))));

        assertThat(NodeMain.configurationProblems(failure)).containsExactly("a: b", "c: d");
        assertThat(NodeMain.configurationProblems(new RuntimeException("disk full"))).isEmpty();
    }

    @Test
    void leavesOutQuarkusKeysThatEchoOneOfOurs() {
        List<String> problems = List.of(
                "SRCFG00039: The config property stampede.ports.http with the config value \"x\" threw",
                "SRCFG00039: The config property quarkus.http.port with the config value \"x\" threw");

        assertThat(NodeMain.withoutEchoes(problems)).containsExactly(problems.get(0));
        assertThat(NodeMain.withoutEchoes(List.of(problems.get(1)))).containsExactly(problems.get(1));
    }
}
