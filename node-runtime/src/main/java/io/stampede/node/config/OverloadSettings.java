package io.stampede.node.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The checks {@code stampede.overload.*} must pass before a node starts. Pure. */
public final class OverloadSettings {

    private OverloadSettings() {
    }

    /** Every problem, each as {@code key: what is wrong}; empty when the settings are usable. */
    public static List<String> problems(NodeConfig.Overload overload) {
        List<String> problems = new ArrayList<>();
        atLeastOne(problems, "stampede.overload.submit-rate", overload.submitRate());
        atLeastOne(problems, "stampede.overload.submit-burst", overload.submitBurst());
        atLeastOne(problems, "stampede.overload.read-rate", overload.readRate());
        atLeastOne(problems, "stampede.overload.list-rate", overload.listRate());
        atLeastOne(problems, "stampede.overload.cancel-rate", overload.cancelRate());
        atLeastOne(problems, "stampede.overload.max-event-streams", overload.maxEventStreams());
        atLeastOne(problems, "stampede.overload.max-event-streams-per-client", overload.maxEventStreamsPerClient());
        positive(problems, "stampede.overload.rate-period", overload.ratePeriod());
        positive(problems, "stampede.overload.latency-floor", overload.latencyFloor());
        if (!(overload.memoryBudget() > 0 && overload.memoryBudget() <= 1)) {
            problems.add("stampede.overload.memory-budget: " + overload.memoryBudget()
                    + " is not a share of the heap (above 0, at most 1)");
        }
        if (overload.memoryPerVu().asLongValue() < 1) {
            problems.add("stampede.overload.memory-per-vu: must be at least 1 byte");
        }
        return problems;
    }

    private static void atLeastOne(List<String> problems, String key, int value) {
        if (value < 1) {
            problems.add(key + ": " + value + " must be at least 1");
        }
    }

    static void positive(List<String> problems, String key, Duration value) {
        if (value.isNegative() || value.isZero()) {
            problems.add(key + ": " + value + " must be longer than 0");
        }
    }
}
