package io.stampede.gate.api;

import java.util.List;

import jakarta.ws.rs.core.Response;

/**
 * An RFC 9457 problem ({@code application/problem+json}); {@code errors} lists every problem of
 * an invalid job with its path.
 */
public record ProblemDetail(String type, String title, int status, String detail, List<FieldError> errors) {

    public record FieldError(String path, String message) {
    }

    static Response response(int status, String title, String detail, List<FieldError> errors) {
        return Response.status(status).type("application/problem+json")
                .entity(new ProblemDetail("about:blank", title, status, detail, errors)).build();
    }
}
