package io.stampede.node.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import org.junit.jupiter.api.Test;

/** What a gate makes of OIDC tokens' groups, and which settings stop it. */
class OidcSettingsTest {

    private static OidcSettings on(List<String> roles) {
        return OidcSettings.of(true, roles, Optional.of("vus=10"), Optional.of("stampede"), false, Optional.empty());
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
    void tokensOnNeedAnAudienceAndWithAPublicKeyAnIssuer() {
        assertThat(OidcSettings.of(true, List.of("g=read"), Optional.empty(), Optional.empty(), true, Optional.empty())
                .problems()).hasSize(2).anyMatch(problem -> problem.startsWith("quarkus.oidc.token.audience: required"))
                .anyMatch(problem -> problem.startsWith("quarkus.oidc.token.issuer: required"));
        assertThat(OidcSettings.of(true, List.of("g=read"), Optional.empty(), Optional.of("stampede"), true,
                Optional.of("https://idp")).problems()).isEmpty();
        // Off, nothing is required.
        assertThat(OidcSettings.of(false, List.of(), Optional.empty(), Optional.empty(), true, Optional.empty())
                .problems()).isEmpty();
    }

    @Test
    void wrongEntriesAreNamedByPositionAndWarningsSayWhatIsMissing() {
        OidcSettings wrong = OidcSettings.of(true, List.of("perf=read", "perf=submit", "=read", "x=owner", "y"),
                Optional.of("vus=lots"), Optional.of("stampede"), false, Optional.empty());
        assertThat(wrong.problems()).containsExactly(
                "stampede.security.oidc-roles: the group 'perf' is given roles twice",
                "stampede.security.oidc-roles: entry 3 must be group=roles, the roles read, submit or admin joined by +",
                "stampede.security.oidc-roles: entry 4 must be group=roles, the roles read, submit or admin joined by +",
                "stampede.security.oidc-roles: entry 5 must be group=roles, the roles read, submit or admin joined by +",
                "stampede.security.oidc-limits: vus must be a whole number above 0");
        assertThat(on(List.of()).warnings()).singleElement().asString().contains("gives no group a role");
        assertThat(OidcSettings.of(true, List.of("g=read"), Optional.empty(), Optional.of("a"), false, Optional.empty())
                .warnings()).singleElement().asString().contains("without stampede.security.oidc-limits");
    }
}
