package io.stampede.node.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class RoutingSettingsTest {

    record Routing(Duration probeInterval, Duration probeTimeout, Optional<List<String>> expectedDatacenters,
            Duration simulatedRtt) implements NodeConfig.Routing {
    }

    @Test
    void theDefaultsAreUsable() {
        assertThat(RoutingSettings.problems(new Routing(Duration.ofSeconds(2), Duration.ofSeconds(5), Optional.empty(),
                Duration.ZERO))).isEmpty();
    }

    @Test
    void probesNeedAnIntervalAndATimeoutAndASimulatedRoundTripStaysWithinTenSeconds() {
        assertThat(RoutingSettings.problems(new Routing(Duration.ZERO, Duration.ofSeconds(-1), Optional.empty(),
                Duration.ofSeconds(11)))).containsExactly(
                        "stampede.routing.probe-interval: PT0S must be longer than 0",
                        "stampede.routing.probe-timeout: PT-1S must be longer than 0",
                        "stampede.routing.simulated-rtt: PT11S must be between 0 and 10 s");
        assertThat(RoutingSettings.problems(new Routing(Duration.ofSeconds(2), Duration.ofSeconds(5), Optional.empty(),
                Duration.ofMillis(-1)))).hasSize(1);
    }
}
