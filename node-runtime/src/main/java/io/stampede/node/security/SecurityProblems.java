package io.stampede.node.security;

import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;

/**
 * Answers a refused API request as an RFC 9457 problem: 401 with {@code WWW-Authenticate} when no
 * key or an unknown one was presented, 403 when the key lacks the role. What was presented is never
 * echoed.
 */
public class SecurityProblems {

    /** The body of a refusal. */
    public record Problem(String type, String title, int status, String detail) {
    }

    @ServerExceptionMapper
    public Response unauthenticated(UnauthorizedException refused) {
        return unauthorized("this API needs a key: send it as 'Authorization: Bearer <key>' (the CLI reads"
                + " STAMPEDE_API_KEY or a credentials file; docs/security.md)");
    }

    @ServerExceptionMapper
    public Response unknownKey(AuthenticationFailedException refused) {
        return unauthorized("the API key or token presented is not one this node accepts");
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException refused) {
        return Response.status(403).type("application/problem+json").entity(new Problem("about:blank",
                "Forbidden", 403, "this API key or token does not have the role this request needs (docs/security.md)")).build();
    }

    private static Response unauthorized(String detail) {
        return Response.status(401).type("application/problem+json").header("WWW-Authenticate", "Bearer realm=\"stampede\"")
                .entity(new Problem("about:blank", "Unauthorized", 401, detail)).build();
    }
}
