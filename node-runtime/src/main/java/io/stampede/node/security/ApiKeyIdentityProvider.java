package io.stampede.node.security;

import jakarta.inject.Singleton;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.stampede.model.security.ApiKeys;

/**
 * Turns a presented API key into an identity: the key's name as the principal and its roles. An
 * unknown key fails authentication (401); the key itself is never put in the exception or a log.
 */
@Singleton
public class ApiKeyIdentityProvider implements IdentityProvider<TokenAuthenticationRequest> {

    private final ApiKeyRegistry registry;

    public ApiKeyIdentityProvider(ApiKeyRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Class<TokenAuthenticationRequest> getRequestType() {
        return TokenAuthenticationRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(TokenAuthenticationRequest request, AuthenticationRequestContext context) {
        return registry.keys().find(request.getToken().getToken()).map(key -> {
            QuarkusSecurityIdentity.Builder identity = QuarkusSecurityIdentity.builder()
                    .setPrincipal(new QuarkusPrincipal(key.name()));
            key.roles().forEach(role -> identity.addRole(role.label()));
            return Uni.createFrom().<SecurityIdentity>item(identity.build());
        }).orElseGet(() -> Uni.createFrom().failure(new AuthenticationFailedException("unknown API key")));
    }
}
