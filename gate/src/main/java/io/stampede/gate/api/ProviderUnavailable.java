package io.stampede.gate.api;

import java.util.List;

import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import io.quarkus.oidc.OIDCException;

/**
 * Answers a request whose bearer token cannot be checked because the OIDC provider does not answer
 * (its discovery document or key set is out of reach) as a 503 problem with {@code Retry-After}:
 * the token may be good, and the gate tries the provider again at the next request. API keys are
 * checked without the provider and keep working.
 */
public class ProviderUnavailable {

    private static final Logger LOG = Logger.getLogger(ProviderUnavailable.class);

    @ServerExceptionMapper
    public Response unavailable(OIDCException failure) {
        // Quarkus logs the provider's address and what failed; the token is never logged.
        LOG.debugf("a bearer token could not be checked: %s", failure.getMessage());
        return ProblemDetail.response(503, "Token cannot be checked now", "the OIDC provider that issues tokens for"
                + " this gate does not answer; try again shortly (API keys are not affected)", List.of());
    }
}
