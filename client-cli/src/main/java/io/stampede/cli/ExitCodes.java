package io.stampede.cli;

/** Exit codes of the {@code stampede} command, documented in docs/cli.md. */
public final class ExitCodes {

    /** It worked. */
    public static final int OK = 0;
    /** It did not work; the message says why. */
    public static final int FAILURE = 1;
    /** The command line was wrong (picocli's own code for usage errors). */
    public static final int USAGE = 2;
    /** The job file has problems; each is printed with its path. */
    public static final int INVALID_JOB = 3;

    private ExitCodes() {
    }
}
