package io.stampede.model.job;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people write them: {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}, or sums such
 * as {@code 1m30s}. Fractions are allowed ({@code 1.5s}); a unit is required.
 */
public final class Durations {

    private static final Pattern WHOLE = Pattern.compile("(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h))+");
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");

    private Durations() {
    }

    /**
     * Parses a duration.
     *
     * @throws IllegalArgumentException with a message fit to show a user
     */
    public static Duration parse(String text) {
        String value = text.trim();
        if (!WHOLE.matcher(value).matches()) {
            if (value.matches("\\d+(\\.\\d+)?")) {
                throw new IllegalArgumentException("'" + value + "' needs a unit: ms, s, m or h (e.g. " + value + "s)");
            }
            throw new IllegalArgumentException("'" + value + "' is not a duration such as 500ms, 30s, 2m, 1h or 1m30s");
        }
        double nanos = 0;
        Matcher part = PART.matcher(value);
        while (part.find()) {
            double amount = Double.parseDouble(part.group(1));
            nanos += amount * switch (part.group(2)) {
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                default -> 3600e9;
            };
        }
        return Duration.ofNanos(Math.round(nanos));
    }

    /** Writes a duration back in the shortest of these forms. */
    public static String format(Duration duration) {
        long millis = duration.toMillis();
        if (millis % 3_600_000 == 0 && millis > 0) {
            return millis / 3_600_000 + "h";
        }
        if (millis % 60_000 == 0 && millis > 0) {
            return millis / 60_000 + "m";
        }
        if (millis % 1_000 == 0) {
            return millis / 1_000 + "s";
        }
        return millis + "ms";
    }
}
