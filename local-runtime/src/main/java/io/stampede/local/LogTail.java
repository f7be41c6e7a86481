package io.stampede.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.stream.Stream;

/** The last lines of a log file, for error messages about a process that failed. */
public final class LogTail {

    private LogTail() {
    }

    /** Up to {@code count} last lines of {@code file}; empty when it does not exist or cannot be read. */
    public static List<String> lastLines(Path file, int count) {
        if (!Files.isReadable(file)) {
            return List.of();
        }
        Deque<String> tail = new ArrayDeque<>(count);
        try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
            lines.forEach(line -> {
                if (tail.size() == count) {
                    tail.removeFirst();
                }
                tail.addLast(line);
            });
        } catch (IOException | java.io.UncheckedIOException e) {
            return List.copyOf(tail);
        }
        return List.copyOf(tail);
    }
}
