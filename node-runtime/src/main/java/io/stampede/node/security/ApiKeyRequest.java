package io.stampede.node.security;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/**
 * An API key presented with a request. A type of its own, so that only {@link ApiKeyIdentityProvider}
 * reads it: OIDC's identity provider reads {@code TokenAuthenticationRequest}s, and would otherwise
 * be handed API keys, or hand this provider its tokens.
 */
public final class ApiKeyRequest extends BaseAuthenticationRequest {

    private final String key;

    public ApiKeyRequest(String key) {
        this.key = key;
    }

    /** The key as presented: never logged, never put in an exception. */
    public String key() {
        return key;
    }

    @Override
    public String toString() {
        return "ApiKeyRequest[key hidden]";
    }
}
