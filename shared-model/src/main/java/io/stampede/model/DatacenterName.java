package io.stampede.model;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Rules for datacenter names. A name becomes part of Kafka topic names
 * ({@code stampede.dc.<name>.jobs}), so it is kept to characters every tool handles.
 */
public final class DatacenterName {

    /** Lower-case letters, digits and dashes, starting with a letter or digit, at most 40 long. */
    public static final Pattern PATTERN = Pattern.compile("[a-z0-9][a-z0-9-]{0,39}");

    private DatacenterName() {
    }

    /** Why {@code name} is not a valid datacenter name, or empty when it is. */
    public static Optional<String> problem(String name) {
        if (name == null || name.isBlank()) {
            return Optional.of("must not be empty");
        }
        if (!PATTERN.matcher(name).matches()) {
            return Optional.of("'" + name + "' is not a datacenter name: use 1 to 40 lower-case letters, digits"
                    + " and dashes, starting with a letter or digit");
        }
        return Optional.empty();
    }
}
