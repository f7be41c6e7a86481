package io.stampede.local;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** The broker did not come up; the message ends with the last lines of its log. */
public final class BrokerStartException extends IOException {

    private static final int TAIL_LINES = 20;

    private final transient Path logFile;

    public BrokerStartException(String reason, Path logFile) {
        super(reason + describeTail(logFile));
        this.logFile = logFile;
    }

    /** The broker's log file. */
    public Path logFile() {
        return logFile;
    }

    private static String describeTail(Path logFile) {
        List<String> tail = LogTail.lastLines(logFile, TAIL_LINES);
        if (tail.isEmpty()) {
            return " (its log " + logFile + " is empty)";
        }
        return "; last lines of " + logFile + ":\n  " + String.join("\n  ", tail);
    }
}
