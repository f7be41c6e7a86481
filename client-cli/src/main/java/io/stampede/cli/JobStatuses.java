package io.stampede.cli;

import java.util.Arrays;
import java.util.Optional;

import io.stampede.model.lifecycle.JobStatus;

/** Job statuses as the gate writes them in JSON: the names of {@link JobStatus}. */
public final class JobStatuses {

    private JobStatuses() {
    }

    /** The status named {@code text}, or empty when it names none. */
    public static Optional<JobStatus> parse(String text) {
        return Arrays.stream(JobStatus.values()).filter(status -> status.name().equals(text)).findFirst();
    }

    /** Whether {@code text} names a status after which nothing changes. */
    public static boolean terminal(String text) {
        return parse(text).map(JobStatus::terminal).orElse(false);
    }
}
