package io.stampede.node.security;

import jakarta.inject.Singleton;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.stampede.model.security.ApiKeys;
import io.stampede.model.security.KeyLimits;

/**
 * Turns a presented API key into an identity: the key's name as the principal, its roles, and its
 * limits as the attribute {@link #LIMITS}. An unknown key fails authentication (401); the key
 * itself is never put in the exception or a log.
 */
@Singleton
public class ApiKeyIdentityProvider implements IdentityProvider<ApiKeyRequest> {

    /** The identity's attribute holding its key's {@link KeyLimits}; absent while authentication is off. */
    public static final String LIMITS = "stampede.key-limits";

    /** How much load {@code identity}'s key may ask for in one job. */
    public static KeyLimits limits(SecurityIdentity identity) {
        return identity.getAttribute(LIMITS) instanceof KeyLimits limits ? limits : KeyLimits.NONE;
    }

    private final ApiKeyRegistry registry;

    public ApiKeyIdentityProvider(ApiKeyRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Class<ApiKeyRequest> getRequestType() {
        return ApiKeyRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(ApiKeyRequest request, AuthenticationRequestContext context) {
        return registry.keys().find(request.key()).map(key -> {
            QuarkusSecurityIdentity.Builder identity = QuarkusSecurityIdentity.builder()
                    .setPrincipal(new QuarkusPrincipal(key.name())).addAttribute(LIMITS, key.limits());
            key.roles().forEach(role -> identity.addRole(role.label()));
            return Uni.createFrom().<SecurityIdentity>item(identity.build());
        }).orElseGet(() -> Uni.createFrom().failure(new AuthenticationFailedException("unknown API key")));
    }
}
