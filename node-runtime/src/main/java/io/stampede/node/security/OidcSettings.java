package io.stampede.node.security;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import io.stampede.model.security.ApiKeys;
import io.stampede.model.security.KeyLimits;

/**
 * What a gate makes of an OIDC access token (docs/security.md#oidc-tokens): the Stampede roles each
 * of the token's groups gives ({@code stampede.security.oidc-roles}), and nothing else (a group or
 * role the provider calls {@code admin} is not Stampede's {@code admin} unless mapped so), the
 * limits of every token's jobs ({@code stampede.security.oidc-limits}), and what is wrong with the
 * settings: with tokens on, an audience is required (else a token the provider issued for another
 * application is taken), and an issuer with a configured public key (there is no discovery then to
 * say it). Pure.
 *
 * @param on       whether tokens are taken: {@code quarkus.oidc.tenant-enabled=true} on a node with OIDC
 * @param roles    each group's roles
 * @param limits   the limits of every job submitted with a token
 * @param problems what stops the node, each naming its setting
 * @param warnings what the node says at start and goes on
 */
public record OidcSettings(boolean on, Map<String, Set<ApiKeys.Role>> roles, KeyLimits limits, List<String> problems,
        List<String> warnings) {

    /**
     * @param on             {@code quarkus.oidc.tenant-enabled} on a node that has OIDC
     * @param roleEntries    {@code stampede.security.oidc-roles}: {@code group=role+role}, e.g. {@code perf-engineers=read+submit}
     * @param limitsText     {@code stampede.security.oidc-limits}
     * @param audience       {@code quarkus.oidc.token.audience}
     * @param publicKey      whether {@code quarkus.oidc.public-key} is set
     * @param issuer         {@code quarkus.oidc.token.issuer}
     */
    public static OidcSettings of(boolean on, List<String> roleEntries, Optional<String> limitsText,
            Optional<String> audience, boolean publicKey, Optional<String> issuer) {
        List<String> problems = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Map<String, Set<ApiKeys.Role>> roles = new LinkedHashMap<>();
        for (int i = 0; i < roleEntries.size(); i++) {
            String entry = roleEntries.get(i).strip();
            int equals = entry.indexOf('=');
            String group = equals < 0 ? "" : entry.substring(0, equals).strip();
            Optional<Set<ApiKeys.Role>> given = equals < 0 ? Optional.empty() : roles(entry.substring(equals + 1));
            if (group.isEmpty() || given.isEmpty()) {
                problems.add("stampede.security.oidc-roles: entry " + (i + 1) + " must be group=roles, the roles read,"
                        + " submit or admin joined by +");
            } else if (roles.put(group, given.get()) != null) {
                problems.add("stampede.security.oidc-roles: the group '" + group + "' is given roles twice");
            }
        }
        KeyLimits limits = KeyLimits.NONE;
        try {
            limits = KeyLimits.parse(limitsText.orElse(""));
        } catch (IllegalArgumentException e) {
            problems.add("stampede.security.oidc-limits: " + e.getMessage());
        }
        if (on) {
            if (audience.filter(value -> !value.isBlank()).isEmpty()) {
                problems.add("quarkus.oidc.token.audience: required while OIDC tokens are on (quarkus.oidc.tenant-enabled):"
                        + " without it, a token the provider issued for any other application is taken");
            }
            if (publicKey && issuer.filter(value -> !value.isBlank()).isEmpty()) {
                problems.add("quarkus.oidc.token.issuer: required with quarkus.oidc.public-key: without discovery,"
                        + " nothing else says whose tokens to take");
            }
            if (roles.isEmpty()) {
                warnings.add("OIDC tokens are on but stampede.security.oidc-roles gives no group a role: every token"
                        + " is refused with 403");
            }
            if (limits.none()) {
                warnings.add("OIDC tokens are on without stampede.security.oidc-limits: a token's jobs may ask for any"
                        + " load the job format allows");
            }
        }
        return new OidcSettings(on, Map.copyOf(roles), limits, List.copyOf(problems), List.copyOf(warnings));
    }

    private static Optional<Set<ApiKeys.Role>> roles(String text) {
        EnumSet<ApiKeys.Role> roles = EnumSet.noneOf(ApiKeys.Role.class);
        for (String role : text.split("\\+", -1)) {
            try {
                roles.add(ApiKeys.Role.valueOf(role.strip().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }
        return Optional.of(roles);
    }

    /**
     * The Stampede roles of a token whose groups (and roles, as the provider names them) are
     * {@code groups}: those its mapped groups give, {@code admin} bringing every other.
     */
    public Set<String> rolesOf(Collection<String> groups) {
        EnumSet<ApiKeys.Role> given = EnumSet.noneOf(ApiKeys.Role.class);
        groups.forEach(group -> given.addAll(roles.getOrDefault(group, Set.of())));
        if (given.contains(ApiKeys.Role.ADMIN)) {
            given.addAll(EnumSet.allOf(ApiKeys.Role.class));
        }
        Set<String> labels = new TreeSet<>();
        given.forEach(role -> labels.add(role.label()));
        return labels;
    }
}
