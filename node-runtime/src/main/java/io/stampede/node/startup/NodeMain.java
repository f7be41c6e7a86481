package io.stampede.node.startup;

import java.util.ArrayList;
import java.util.List;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.smallrye.config.ConfigValidationException;
import io.stampede.cluster.leadership.RaftLeadership;

/**
 * Runs a node. A configuration mistake ends the process with exit code 2 and one line per problem
 * on standard error, naming the key, instead of a stack trace; any other start-up failure keeps its
 * stack trace and ends with exit code 1.
 */
public final class NodeMain {

    /** Exit code of a node whose configuration is wrong. */
    public static final int EXIT_CONFIGURATION = 2;

    private NodeMain() {
    }

    /** Starts the node named by {@code service} (for messages) and blocks until it stops. */
    public static void run(String service, String... args) {
        Quarkus.run(Application.class, (exitCode, failure) -> {
            if (failure == null) {
                System.exit(exitCode);
            }
            List<String> problems = configurationProblems(failure);
            for (Throwable cause = failure; cause != null && problems.isEmpty(); cause = cause.getCause()) {
                if (cause instanceof RaftLeadership.WipedLogException wiped) {
                    // Not a bug to trace: the operator must restore the volume or wait (docs/deployment.md).
                    System.err.println(service + ": refusing to start: " + wiped.getMessage());
                    System.exit(exitCode == 0 ? 1 : exitCode);
                }
            }
            if (problems.isEmpty()) {
                System.err.println(service + ": failed to start");
                failure.printStackTrace();
                System.exit(exitCode == 0 ? 1 : exitCode);
            }
            for (String problem : problems) {
                System.err.println(service + ": invalid configuration: " + problem);
            }
            System.exit(EXIT_CONFIGURATION);
        }, args);
    }

    /** The configuration problems behind a start-up failure, one line each; empty if it has another cause. */
    static List<String> configurationProblems(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof InvalidSettingsException invalid) {
                return invalid.problems();
            }
            if (cause instanceof ConfigValidationException validation) {
                List<String> problems = new ArrayList<>();
                for (int i = 0; i < validation.getProblemCount(); i++) {
                    problems.add(validation.getProblem(i).getMessage().replace('\n', ' ')
                            .replaceFirst("^java\\.lang\\.IllegalArgumentException: ", ""));
                }
                return withoutEchoes(problems);
            }
        }
        return List.of();
    }

    /**
     * Quarkus keys such as {@code quarkus.http.port} take their values from ours
     * ({@code stampede.ports.http}), so one bad value fails twice. When any problem names one of our
     * keys, the Quarkus echoes are left out: the user set our key, so that is the one to name.
     */
    static List<String> withoutEchoes(List<String> problems) {
        boolean oursFailed = problems.stream().anyMatch(problem -> problem.contains(" stampede."));
        if (!oursFailed) {
            return problems;
        }
        return problems.stream().filter(problem -> !problem.contains(" quarkus.")).toList();
    }

    /** The node's main loop: wait until asked to stop. */
    public static final class Application implements QuarkusApplication {
        @Override
        public int run(String... args) {
            Quarkus.waitForExit();
            return 0;
        }
    }
}
