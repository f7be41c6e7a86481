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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.stampede.model.security.ApiKeys;
import io.stampede.model.security.KeyLimits;

/**
 * What a gate makes of an OIDC access token (docs/security.md#oidc-tokens): the Stampede roles each
 * of the token's groups gives ({@code stampede.security.oidc-roles}), and nothing else (a group or
 * role the provider calls {@code admin} is not Stampede's {@code admin} unless mapped so), the
 * limits of every token's jobs ({@code stampede.security.oidc-limits}), and what is wrong with the
 * settings: with tokens on, an audience is required (else a token the provider issued for another
 * application is taken), and an issuer where the provider's discovery does not say it; neither may
 * be {@code any} (Quarkus's "do not check"), and named tenants, whose settings are not checked
 * here, are refused. Pure.
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
     * @param undiscovered   whether nothing discovers the provider's issuer: {@code quarkus.oidc.public-key}
     *                       or {@code certificate-chain} set, or {@code discovery-enabled=false}
     * @param issuer         {@code quarkus.oidc.token.issuer}
     * @param tenants        the named tenants ({@code quarkus.oidc.<tenant>.*}) configured
     */
    public static OidcSettings of(boolean on, List<String> roleEntries, Optional<String> limitsText,
            Optional<String> audience, boolean undiscovered, Optional<String> issuer, Collection<String> tenants) {
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
        // Named tenants take tokens even with the default tenant off: refused whatever it is.
        for (String tenant : new TreeSet<>(tenants)) {
            problems.add("quarkus.oidc." + tenant + ".*: named OIDC tenants are not supported; configure the"
                    + " default tenant (quarkus.oidc.*) only");
        }
        if (on) {
            if (audience.filter(value -> !value.isBlank()).isEmpty()) {
                problems.add("quarkus.oidc.token.audience: required while OIDC tokens are on (quarkus.oidc.tenant-enabled):"
                        + " without it, a token the provider issued for any other application is taken");
            } else if (checksNothing(audience.get())) {
                problems.add("quarkus.oidc.token.audience: must not be 'any' (no check): a token the provider issued"
                        + " for any other application would be taken");
            }
            if (undiscovered && issuer.filter(value -> !value.isBlank()).isEmpty()) {
                problems.add("quarkus.oidc.token.issuer: required with quarkus.oidc.public-key,"
                        + " quarkus.oidc.certificate-chain or quarkus.oidc.discovery-enabled=false: without discovery,"
                        + " nothing else says whose tokens to take");
            } else if (issuer.filter(OidcSettings::checksNothing).isPresent()) {
                problems.add("quarkus.oidc.token.issuer: must not be 'any' (no check): a token of any issuer the gate"
                        + " holds a key of would be taken");
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

    /** A named tenant's setting, as a property ({@code quarkus.oidc.<tenant>.auth-server-url}). */
    private static final Pattern TENANT_PROPERTY = Pattern.compile(
            "quarkus\\.oidc\\.(\"[^\"]+\"|[^.\"]+)\\.(auth-server-url|public-key|tenant-enabled|tenant-id|tenant-paths|provider)");
    /** A named tenant's setting, as an environment variable ({@code QUARKUS_OIDC_<TENANT>_AUTH_SERVER_URL}). */
    private static final Pattern TENANT_VARIABLE = Pattern.compile(
            "QUARKUS_OIDC_(.+)_(AUTH_SERVER_URL|PUBLIC_KEY|TENANT_ENABLED|TENANT_ID|TENANT_PATHS|PROVIDER)");

    /**
     * The named tenants among configuration names (properties, and environment variables): those
     * with a tenant's own setting under {@code quarkus.oidc.<tenant>.}. The default tenant's
     * settings ({@code quarkus.oidc.auth-server-url}, {@code quarkus.oidc.token.issuer}…) name none.
     */
    public static Set<String> tenants(Iterable<String> names) {
        Set<String> tenants = new TreeSet<>();
        for (String name : names) {
            Matcher property = TENANT_PROPERTY.matcher(name);
            Matcher variable = TENANT_VARIABLE.matcher(name);
            if (property.matches()) {
                tenants.add(property.group(1).replace("\"", ""));
            } else if (variable.matches()) {
                tenants.add(variable.group(1).toLowerCase(Locale.ROOT).replace('_', '-'));
            }
        }
        return tenants;
    }

    /**
     * Whether nothing discovers the default tenant's issuer: a public key or a certificate chain
     * instead of the provider's keys, or discovery switched off.
     *
     * @param setting a {@code quarkus.oidc.*} setting's value by its name, empty when not set
     */
    public static boolean undiscovered(java.util.function.Function<String, Optional<String>> setting) {
        return setting.apply("quarkus.oidc.public-key").isPresent()
                || setting.apply("quarkus.oidc.certificate-chain.trust-store-file").isPresent()
                || setting.apply("quarkus.oidc.discovery-enabled").map(value -> value.strip().equalsIgnoreCase("false"))
                        .orElse(false);
    }

    /** Whether a setting of one or more values (comma-separated) holds {@code any}, Quarkus's "do not check". */
    private static boolean checksNothing(String values) {
        for (String value : values.split(",")) {
            if (value.strip().equalsIgnoreCase("any")) {
                return true;
            }
        }
        return false;
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
