package io.stampede.worker.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Where a worker finds the value of {@code {{secret:name}}}: the environment variable
 * {@code STAMPEDE_SECRET_<NAME>} (the name upper-cased), else the file {@code <directory>/<name>}
 * (a mounted Secret: one file per key), its content without a trailing newline. Nothing else
 * ever sees the value: jobs carry the name, and neither windows, results, reports nor logs
 * carry a request's headers or body.
 */
public final class WorkerSecrets implements Function<String, String> {

    /** The prefix of a secret's environment variable. */
    public static final String ENVIRONMENT_PREFIX = "STAMPEDE_SECRET_";

    private final Map<String, String> environment;
    private final Optional<Path> directory;

    public WorkerSecrets(Map<String, String> environment, Optional<Path> directory) {
        this.environment = Map.copyOf(environment);
        this.directory = directory;
    }

    /** From this process's environment and {@code directory}. */
    public static WorkerSecrets of(Optional<Path> directory) {
        return new WorkerSecrets(System.getenv(), directory);
    }

    /** The value, or null when this worker knows none. */
    @Override
    public String apply(String name) {
        String value = environment.get(ENVIRONMENT_PREFIX + name.toUpperCase(Locale.ROOT));
        if (value != null) {
            return value;
        }
        if (directory.isEmpty()) {
            return null;
        }
        Path file = directory.get().resolve(name);
        try {
            return Files.isRegularFile(file) ? stripNewline(Files.readString(file, StandardCharsets.UTF_8)) : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static String stripNewline(String value) {
        return value.endsWith("\r\n") ? value.substring(0, value.length() - 2)
                : value.endsWith("\n") ? value.substring(0, value.length() - 1) : value;
    }
}
