package io.stampede.gate.api;

import java.time.Duration;
import java.util.List;

import jakarta.ws.rs.core.Response;

/**
 * An RFC 9457 problem ({@code application/problem+json}); {@code errors} lists every problem of
 * an invalid job with its path.
 */
public record ProblemDetail(String type, String title, int status, String detail, List<FieldError> errors) {

    public record FieldError(String path, String message) {
    }

    /** How long a client is asked to wait before it tries again after a 503 that says nothing else. */
    static final Duration UNAVAILABLE_RETRY_AFTER = Duration.ofSeconds(2);

    /** A problem; a 503 carries {@code Retry-After} ({@link #UNAVAILABLE_RETRY_AFTER}): what it refused is temporary. */
    static Response response(int status, String title, String detail, List<FieldError> errors) {
        return status == 503 ? retryLater(status, title, detail, UNAVAILABLE_RETRY_AFTER)
                : Response.status(status).type("application/problem+json")
                        .entity(new ProblemDetail("about:blank", title, status, detail, errors)).build();
    }

    /** {@code Retry-After} in whole seconds, rounded up, at least 1. */
    static long retryAfterSeconds(Duration retryAfter) {
        return Math.max(1, (retryAfter.toMillis() + 999) / 1000);
    }

    /** A 429 or 503 problem with {@code Retry-After} in whole seconds (at least 1). */
    static Response retryLater(int status, String title, String detail, Duration retryAfter) {
        return Response.status(status).type("application/problem+json").header("Retry-After", retryAfterSeconds(retryAfter))
                .entity(new ProblemDetail("about:blank", title, status, detail, List.of())).build();
    }
}
