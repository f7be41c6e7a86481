package io.stampede.cli;

/** A command line that cannot be carried out as written: exit code {@link ExitCodes#USAGE}. */
public final class UsageException extends RuntimeException {

    public UsageException(String message) {
        super(message);
    }
}
