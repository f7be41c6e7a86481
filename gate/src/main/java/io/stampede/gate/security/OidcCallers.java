package io.stampede.gate.security;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.oidc.AccessTokenCredential;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.stampede.model.security.KeyLimits;
import io.stampede.node.security.ApiKeyIdentityProvider;
import io.stampede.node.security.ApiKeyRegistry;

/**
 * Gives every caller authenticated by an OIDC access token the limits per job of
 * {@code stampede.security.oidc-limits}, as an API key's entry gives its key's
 * ({@link ApiKeyIdentityProvider#LIMITS}). Roles come from the token (docs/security.md#oidc-tokens).
 */
@ApplicationScoped
public class OidcCallers implements SecurityIdentityAugmentor {

    private final KeyLimits limits;

    public OidcCallers(ApiKeyRegistry registry) {
        this.limits = registry.oidcLimits();
    }

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (limits.none() || identity.isAnonymous() || identity.getCredential(AccessTokenCredential.class) == null
                || identity.getAttribute(ApiKeyIdentityProvider.LIMITS) != null) {
            return Uni.createFrom().item(identity);
        }
        return Uni.createFrom().item(QuarkusSecurityIdentity.builder(identity)
                .addAttribute(ApiKeyIdentityProvider.LIMITS, limits).build());
    }
}
