package io.stampede.gate.security;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.oidc.AccessTokenCredential;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.stampede.node.security.ApiKeyIdentityProvider;
import io.stampede.node.security.ApiKeyRegistry;
import io.stampede.node.security.OidcSettings;

/**
 * Makes a caller authenticated by an OIDC access token a Stampede caller: its roles are those
 * {@code stampede.security.oidc-roles} gives its token's groups and roles, and only those (a role
 * the provider happens to call {@code admin} gives nothing unmapped), and its jobs' limits are
 * {@code stampede.security.oidc-limits}, as an API key's entry gives its key's
 * ({@link ApiKeyIdentityProvider#LIMITS}). Identities of API keys pass unchanged.
 */
@ApplicationScoped
public class OidcCallers implements SecurityIdentityAugmentor {

    private final OidcSettings settings;

    public OidcCallers(ApiKeyRegistry registry) {
        this.settings = registry.oidc();
    }

    /** Last of all augmentors, so that none adds a role after the mapping. */
    @Override
    public int priority() {
        return Integer.MIN_VALUE;
    }

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.isAnonymous() || !tokenCaller(identity)) {
            return Uni.createFrom().item(identity);
        }
        QuarkusSecurityIdentity.Builder caller = QuarkusSecurityIdentity.builder()
                .setPrincipal(identity.getPrincipal()).addCredentials(identity.getCredentials())
                .addAttributes(identity.getAttributes()).addRoles(settings.rolesOf(identity.getRoles()));
        if (!settings.limits().none()) {
            caller.addAttribute(ApiKeyIdentityProvider.LIMITS, settings.limits());
        }
        return Uni.createFrom().item(caller.build());
    }

    /** Whether {@code identity} presented an OIDC access token (and no API key). */
    public static boolean tokenCaller(SecurityIdentity identity) {
        return identity.getCredential(AccessTokenCredential.class) != null;
    }
}
