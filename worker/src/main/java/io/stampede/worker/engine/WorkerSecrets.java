package io.stampede.worker.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.stampede.model.security.TargetPolicy;

/**
 * Where a worker finds the value of {@code {{secret:name}}}: the environment variable
 * {@code STAMPEDE_SECRET_<NAME>} (the name upper-cased), else the file {@code <directory>/<name>}
 * (a mounted Secret: one file per key), its content without a trailing newline. Nothing else
 * ever sees the value: jobs carry the name, and neither windows, results, reports nor logs
 * carry a request's headers or body.
 *
 * <p>A secret may be bound to the hosts it is for: {@code STAMPEDE_SECRETS_HOSTS_<NAME>}
 * (comma-separated), else the file {@code <directory>/<name>.hosts} (one entry or more per line,
 * {@code #} comments), in the form of {@code stampede.targets.allow}. A request that would carry
 * a bound secret anywhere else is not sent.
 */
public final class WorkerSecrets implements Function<String, String> {

    /** The prefix of a secret's environment variable. */
    public static final String ENVIRONMENT_PREFIX = "STAMPEDE_SECRET_";
    /**
     * The prefix of the environment variable naming the hosts a secret may be sent to; never a
     * secret's own variable, whatever its name.
     */
    public static final String HOSTS_PREFIX = "STAMPEDE_SECRETS_HOSTS_";

    /**
     * The hosts a secret is bound to. {@code problems} names the entries that are not hosts: they
     * are left out, so a secret whose every entry is wrong goes nowhere.
     */
    public record Binding(TargetPolicy.Hosts hosts, List<String> problems) {
        public Binding {
            problems = List.copyOf(problems);
        }
    }

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

    /** The hosts {@code name} may be sent to, when it is bound to some; empty when it may go wherever targets may. */
    public Optional<Binding> hosts(String name) {
        String variable = HOSTS_PREFIX + name.toUpperCase(Locale.ROOT);
        String listed = environment.get(variable);
        String source = variable;
        if (listed == null && directory.isPresent()) {
            Path file = directory.get().resolve(name + ".hosts");
            source = file.toString();
            try {
                if (Files.isRegularFile(file)) {
                    listed = Files.readString(file, StandardCharsets.UTF_8).lines()
                            .map(line -> line.contains("#") ? line.substring(0, line.indexOf('#')) : line)
                            .collect(Collectors.joining(","));
                }
            } catch (IOException e) {
                // A bound secret whose hosts cannot be read goes nowhere.
                return Optional.of(new Binding(TargetPolicy.Hosts.NONE, List.of(source + ": cannot be read")));
            }
        }
        if (listed == null) {
            return Optional.empty();
        }
        // Each entry is read alone, and a wrong one is named by its place, never by its text: it
        // might be a value pasted in the wrong place.
        List<String> entries = Arrays.stream(listed.split(",")).map(String::strip).filter(entry -> !entry.isEmpty())
                .toList();
        List<String> valid = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            List<String> wrong = new ArrayList<>();
            TargetPolicy.Hosts.parse(List.of(entries.get(i)), source, wrong);
            if (wrong.isEmpty()) {
                valid.add(entries.get(i));
            } else {
                problems.add(source + ": entry " + (i + 1) + " is neither a host name, *.domain, an address nor a CIDR");
            }
        }
        return Optional.of(new Binding(TargetPolicy.Hosts.parse(valid, source, new ArrayList<>()), problems));
    }

    private static String stripNewline(String value) {
        return value.endsWith("\r\n") ? value.substring(0, value.length() - 2)
                : value.endsWith("\n") ? value.substring(0, value.length() - 1) : value;
    }
}
