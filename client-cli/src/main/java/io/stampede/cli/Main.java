package io.stampede.cli;

import picocli.CommandLine;

/** The {@code stampede} command. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command and returns its exit code. */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** The command, ready to execute; tests redirect its output. */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new StampedeCommand());
        commandLine.setExecutionExceptionHandler((failure, line, parsed) -> {
            line.getErr().println("stampede: " + (failure.getMessage() == null ? failure : failure.getMessage()));
            if (failure instanceof UsageException) {
                return ExitCodes.USAGE;
            }
            if (failure instanceof io.stampede.cli.gate.GateClient.UnreachableException) {
                return ExitCodes.GATE_UNREACHABLE;
            }
            if (Boolean.getBoolean("stampede.debug")) {
                failure.printStackTrace(line.getErr());
            }
            return ExitCodes.FAILURE;
        });
        return commandLine;
    }
}
