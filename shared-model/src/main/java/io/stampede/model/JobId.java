package io.stampede.model;

import java.util.HexFormat;
import java.util.Optional;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A job's identity: {@code job-} and twelve hex digits when a gate makes it. It is every job
 * record's Kafka key and the subject of every record about the job.
 */
public record JobId(String value) implements Comparable<JobId> {

    /** What an id may look like: it travels in URLs, Kafka keys and file names. */
    public static final Pattern PATTERN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    public JobId {
        if (value == null || !PATTERN.matcher(value).matches()) {
            throw new IllegalArgumentException("'" + value + "' is not a job id");
        }
    }

    /** Reads an id, or empty when {@code text} is not one. */
    public static Optional<JobId> parse(String text) {
        return text != null && PATTERN.matcher(text).matches() ? Optional.of(new JobId(text)) : Optional.empty();
    }

    @JsonCreator
    public static JobId of(String value) {
        return new JobId(value);
    }

    /** A new id: {@code job-} and 48 random bits in hex. */
    public static JobId random(RandomGenerator random) {
        byte[] bits = new byte[6];
        for (int i = 0; i < bits.length; i++) {
            bits[i] = (byte) random.nextInt(256);
        }
        return new JobId("job-" + HexFormat.of().formatHex(bits));
    }

    @JsonValue
    @Override
    public String value() {
        return value;
    }

    @Override
    public int compareTo(JobId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
