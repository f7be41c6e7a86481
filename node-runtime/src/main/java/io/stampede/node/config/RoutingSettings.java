package io.stampede.node.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The checks {@code stampede.routing.*} must pass before a node starts. Pure. */
public final class RoutingSettings {

    /** The longest simulated round trip ({@code stampede.routing.simulated-rtt}, {@code local up --rtt}). */
    public static final Duration MAX_SIMULATED_RTT = Duration.ofSeconds(10);

    private RoutingSettings() {
    }

    /** Every problem, each as {@code key: what is wrong}; empty when the settings are usable. */
    public static List<String> problems(NodeConfig.Routing routing) {
        List<String> problems = new ArrayList<>();
        OverloadSettings.positive(problems, "stampede.routing.probe-interval", routing.probeInterval());
        OverloadSettings.positive(problems, "stampede.routing.probe-timeout", routing.probeTimeout());
        if (routing.simulatedRtt().isNegative() || routing.simulatedRtt().compareTo(MAX_SIMULATED_RTT) > 0) {
            problems.add("stampede.routing.simulated-rtt: " + routing.simulatedRtt() + " must be between 0 and "
                    + MAX_SIMULATED_RTT.toSeconds() + " s");
        }
        return problems;
    }
}
