package io.stampede.node.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import org.junit.jupiter.api.Test;

/** What a gate makes of OIDC tokens' groups, and which settings stop it. */
class OidcSettingsTest {

    private static OidcSettings on(List<String> roles) {
        return OidcSettings.of(true, roles, Optional.of("vus=10"), Optional.of("stampede"), false, Optional.empty(),
                List.of());
    }

    @Test
    void onlyMappedGroupsGiveRolesAndAdminBringsEveryOther() {
        OidcSettings settings = on(List.of("perf-readers=read", "perf-engineers=read+submit", "perf-admins=admin"));
        assertThat(settings.problems()).isEmpty();
        assertThat(settings.rolesOf(List.of("perf-readers"))).containsExactly("read");
        assertThat(settings.rolesOf(List.of("perf-engineers", "marketing"))).containsExactly("read", "submit");
        assertThat(settings.rolesOf(List.of("perf-admins"))).containsExactly("admin", "read", "submit");
        assertThat(settings.rolesOf(List.of("admin", "read", "submit", "offline_access"))).isEmpty();
        assertThat(settings.limits().maxVus()).isEqualTo(OptionalInt.of(10));
    }

    @Test
    void tokensOnNeedAnAudienceAndWithoutDiscoveryAnIssuer() {
        assertThat(OidcSettings.of(true, List.of("g=read"), Optional.empty(), Optional.empty(), true, Optional.empty(),
                List.of()).problems()).hasSize(2).anyMatch(problem -> problem.startsWith("quarkus.oidc.token.audience: required"))
                .anyMatch(problem -> problem.startsWith("quarkus.oidc.token.issuer: required"));
        assertThat(OidcSettings.of(true, List.of("g=read"), Optional.empty(), Optional.of("stampede"), true,
                Optional.of("https://idp"), List.of()).problems()).isEmpty();
        // Off, nothing is required; but named tenants take tokens even then.
        assertThat(OidcSettings.of(false, List.of(), Optional.empty(), Optional.empty(), true, Optional.empty(),
                List.of()).problems()).isEmpty();
        assertThat(OidcSettings.of(false, List.of(), Optional.empty(), Optional.empty(), true, Optional.empty(),
                List.of("other")).problems()).singleElement().asString().startsWith("quarkus.oidc.other.*: named");
        // What makes an issuer required: nothing discovers it.
        java.util.Map<String, String> settings = new java.util.HashMap<>();
        assertThat(OidcSettings.undiscovered(name -> Optional.ofNullable(settings.get(name)))).isFalse();
        settings.put("quarkus.oidc.discovery-enabled", "true");
        assertThat(OidcSettings.undiscovered(name -> Optional.ofNullable(settings.get(name)))).isFalse();
        settings.put("quarkus.oidc.discovery-enabled", "false");
        assertThat(OidcSettings.undiscovered(name -> Optional.ofNullable(settings.get(name)))).isTrue();
        settings.clear();
        settings.put("quarkus.oidc.certificate-chain.trust-store-file", "chain.p12");
        assertThat(OidcSettings.undiscovered(name -> Optional.ofNullable(settings.get(name)))).isTrue();
        settings.clear();
        settings.put("quarkus.oidc.public-key", "MIIB…");
        assertThat(OidcSettings.undiscovered(name -> Optional.ofNullable(settings.get(name)))).isTrue();
    }

    @Test
    void anAudienceOrIssuerOfAnyWhichQuarkusReadsAsNoCheckIsRefused() {
        assertThat(OidcSettings.of(true, List.of("g=read"), Optional.empty(), Optional.of("stampede, ANY"), false,
                Optional.of("any"), List.of()).problems()).containsExactly(
                "quarkus.oidc.token.audience: must not be 'any' (no check): a token the provider issued for any other"
                        + " application would be taken",
                "quarkus.oidc.token.issuer: must not be 'any' (no check): a token of any issuer the gate holds a key"
                        + " of would be taken");
        // An audience or issuer that merely contains the word is a name like any other.
        assertThat(OidcSettings.of(true, List.of("g=read"), Optional.empty(), Optional.of("company"), true,
                Optional.of("https://many.example"), List.of()).problems()).isEmpty();
    }

    @Test
    void namedTenantsAreFoundInPropertiesAndVariablesAndRefused() {
        assertThat(OidcSettings.tenants(List.of("quarkus.oidc.auth-server-url", "quarkus.oidc.tenant-enabled",
                "quarkus.oidc.token.issuer", "quarkus.oidc.public-key", "QUARKUS_OIDC_AUTH_SERVER_URL",
                "QUARKUS_OIDC_TENANT_ENABLED", "QUARKUS_OIDC_TOKEN_AUDIENCE", "quarkus.oidc.certificate-chain.trust-store-file")))
                .as("the default tenant's settings").isEmpty();
        assertThat(OidcSettings.tenants(List.of("quarkus.oidc.partners.auth-server-url",
                "quarkus.oidc.\"staff\".tenant-enabled", "QUARKUS_OIDC_BACK_OFFICE_PUBLIC_KEY",
                "quarkus.oidc.google.provider")))
                .containsExactly("back-office", "google", "partners", "staff");
        assertThat(OidcSettings.of(true, List.of("g=read"), Optional.empty(), Optional.of("stampede"), false,
                Optional.empty(), List.of("partners")).problems()).containsExactly(
                "quarkus.oidc.partners.*: named OIDC tenants are not supported; configure the default tenant"
                        + " (quarkus.oidc.*) only");
    }

    @Test
    void wrongEntriesAreNamedByPositionAndWarningsSayWhatIsMissing() {
        OidcSettings wrong = OidcSettings.of(true, List.of("perf=read", "perf=submit", "=read", "x=owner", "y"),
                Optional.of("vus=lots"), Optional.of("stampede"), false, Optional.empty(), List.of());
        assertThat(wrong.problems()).containsExactly(
                "stampede.security.oidc-roles: the group 'perf' is given roles twice",
                "stampede.security.oidc-roles: entry 3 must be group=roles, the roles read, submit or admin joined by +",
                "stampede.security.oidc-roles: entry 4 must be group=roles, the roles read, submit or admin joined by +",
                "stampede.security.oidc-roles: entry 5 must be group=roles, the roles read, submit or admin joined by +",
                "stampede.security.oidc-limits: vus must be a whole number above 0");
        assertThat(on(List.of()).warnings()).singleElement().asString().contains("gives no group a role");
        assertThat(OidcSettings.of(true, List.of("g=read"), Optional.empty(), Optional.of("a"), false, Optional.empty(),
                List.of()).warnings()).singleElement().asString().contains("without stampede.security.oidc-limits");
    }
}
