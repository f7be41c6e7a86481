package io.stampede.node.security;

import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import jakarta.inject.Singleton;

import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpCredentialTransport;
import io.smallrye.mutiny.Uni;
import io.stampede.model.security.ApiKeys;
import io.vertx.core.http.Cookie;
import io.vertx.ext.web.RoutingContext;

/**
 * Finds the API key a request presents, as {@code Authorization: Bearer <key>} or (for the
 * dashboard, whose live stream cannot set headers) the {@code stampede-key} cookie, and hands it to
 * {@link ApiKeyIdentityProvider}. A request without one is anonymous, which every {@code /api/}
 * resource refuses with 401. With authentication off, every request is an identity with every role.
 *
 * <p>A bearer token shaped like a JWT is never taken for an API key: this mechanism leaves it to the
 * next, the gate's OIDC mechanism (docs/security.md#oidc-tokens), and runs first so that an API key
 * never reaches that one. Where no mechanism takes the token, the request is anonymous: 401.
 */
@Singleton
public class ApiKeyMechanism implements HttpAuthenticationMechanism {

    /** The cookie the dashboard keeps its key in ({@code SameSite=Strict}, so no other site's page sends it). */
    public static final String COOKIE = "stampede-key";
    /** The principal of every request while authentication is off. */
    public static final String UNAUTHENTICATED = "unauthenticated";
    /**
     * This mechanism's priority: above OIDC's (1001 unless {@code quarkus.oidc.priority} says
     * otherwise; the highest runs first), so that it sees every request first.
     */
    public static final int PRIORITY = 2000;
    private static final String BEARER = "bearer ";
    private static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");

    private final ApiKeyRegistry registry;
    private final SecurityIdentity open;

    public ApiKeyMechanism(ApiKeyRegistry registry) {
        this.registry = registry;
        QuarkusSecurityIdentity.Builder everything = QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal(UNAUTHENTICATED));
        for (ApiKeys.Role role : ApiKeys.Role.values()) {
            everything.addRole(role.label());
        }
        this.open = everything.build();
    }

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identities) {
        if (!registry.authentication()) {
            return Uni.createFrom().item(open);
        }
        Optional<String> key = presented(context);
        if (key.isEmpty() || jwtShaped(key.get())) {
            return Uni.createFrom().optional(Optional.empty());
        }
        return identities.authenticate(new ApiKeyRequest(key.get()));
    }

    /**
     * Whether {@code token} has a JWT's shape: three base64url parts joined by dots, the first a JSON
     * object ({@code eyJ}). No generated API key has one ({@code stk_} and base64url, no dot).
     */
    public static boolean jwtShaped(String token) {
        return JWT.matcher(token).matches();
    }

    /**
     * Runs before the OIDC mechanism ({@code quarkus.oidc.priority}, 1001 unless set), which would
     * refuse an API key.
     */
    @Override
    public int getPriority() {
        return PRIORITY;
    }

    /** The key a request presents, if any: the bearer token first, then the dashboard's cookie. */
    public static Optional<String> presented(RoutingContext context) {
        String header = context.request().getHeader("Authorization");
        if (header != null && header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            String token = header.substring(BEARER.length()).strip();
            return token.isEmpty() ? Optional.empty() : Optional.of(token);
        }
        Cookie cookie = context.request().getCookie(COOKIE);
        return cookie == null || cookie.getValue().isBlank() ? Optional.empty() : Optional.of(cookie.getValue());
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(new ChallengeData(401, "WWW-Authenticate", "Bearer realm=\"stampede\""));
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(ApiKeyRequest.class);
    }

    @Override
    public Uni<HttpCredentialTransport> getCredentialTransport(RoutingContext context) {
        return Uni.createFrom().item(new HttpCredentialTransport(HttpCredentialTransport.Type.AUTHORIZATION, "bearer"));
    }
}
