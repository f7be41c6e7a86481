package io.stampede.gate.admission;

import java.util.Optional;

import io.stampede.model.load.Priority;

/**
 * What a request to the gate's API does, with its priority when the gate must shed work and the
 * rate limit it counts against. Health and metrics ({@code /q/*}) are not API requests: they are
 * never limited.
 */
public enum Operation {
    /** {@code DELETE /api/v1/jobs/{id}}: never shed. */
    CANCEL(Priority.CRITICAL),
    /** {@code POST /api/v1/jobs}. */
    SUBMIT(Priority.HIGH),
    /** {@code GET /api/v1/jobs/{id}}, {@code GET /api/v1/jobs/{id}/series}, {@code GET /api/v1/datacenters}. */
    READ(Priority.NORMAL),
    /** {@code GET /api/v1/jobs/{id}/events}: a live stream, also bounded in number. */
    WATCH(Priority.NORMAL),
    /** {@code GET /api/v1/jobs}. */
    LIST(Priority.LOW),
    /** Everything else under {@code /api/}: the node, its cluster and leadership views. */
    STATUS(Priority.NORMAL);

    private final Priority priority;

    Operation(Priority priority) {
        this.priority = priority;
    }

    public Priority priority() {
        return priority;
    }

    /** The operation of a request, or empty for what is not the API. */
    public static Optional<Operation> of(String method, String path) {
        String trimmed = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
        if (!trimmed.startsWith("/api/")) {
            return Optional.empty();
        }
        if (trimmed.equals("/api/v1/jobs")) {
            return Optional.of("POST".equals(method) ? SUBMIT : LIST);
        }
        if (trimmed.startsWith("/api/v1/jobs/")) {
            if ("DELETE".equals(method)) {
                return Optional.of(CANCEL);
            }
            return Optional.of(trimmed.endsWith("/events") ? WATCH : READ);
        }
        if (trimmed.equals("/api/v1/datacenters")) {
            return Optional.of(READ);
        }
        return Optional.of(STATUS);
    }
}
