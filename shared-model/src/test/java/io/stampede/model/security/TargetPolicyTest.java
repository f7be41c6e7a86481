package io.stampede.model.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class TargetPolicyTest {

    private static final TargetPolicy PRODUCTION = TargetPolicy.defaults();
    private static final TargetPolicy LOCAL = TargetPolicy.of(List.of(), List.of(), true, true).policy();
    private static final TargetPolicy CONFIGURED = TargetPolicy.of(List.of("10.1.0.0/16", "*.internal.example",
            "169.254.10.0/24", "169.254.169.254"), List.of("203.0.113.0/24", "forbidden.example", "*.blocked.example"),
            false, false).policy();

    private static Optional<String> judge(TargetPolicy policy, String host, String address) throws Exception {
        return policy.refusal(host, address.isEmpty() ? List.of() : List.of(InetAddress.getByName(address)));
    }

    @ParameterizedTest(name = "{0} ({1}): production {2}, local {3}, configured {4}")
    @CsvSource({
        // host,                    address,          production,   local,    configured
        "169.254.169.254,          169.254.169.254,  metadata,     metadata, metadata",
        "metadata.google.internal, '',               metadata,     metadata, metadata",
        "Metadata.Google.Internal.,'',               metadata,     metadata, metadata",
        "rebound.example,          169.254.169.254,  metadata,     metadata, metadata",
        "fd00:ec2::254,            fd00:ec2::254,    metadata,     metadata, metadata",
        "100.100.100.200,          100.100.100.200,  metadata,     metadata, metadata",
        "169.254.10.7,             169.254.10.7,     link-local,   link-local, ok",
        "fe80::1,                  fe80::1,          link-local,   link-local, link-local",
        "127.0.0.1,                127.0.0.1,        loopback,     ok,       loopback",
        "localhost,                127.0.0.1,        loopback,     ok,       loopback",
        "::1,                      ::1,              loopback,     ok,       loopback",
        "::ffff:127.0.0.1,         ::ffff:127.0.0.1, loopback,     ok,       loopback",
        "10.0.0.5,                 10.0.0.5,         private,      ok,       private",
        "10.1.2.3,                 10.1.2.3,         private,      ok,       ok",
        "172.20.0.1,               172.20.0.1,       private,      ok,       private",
        "192.168.1.1,              192.168.1.1,      private,      ok,       private",
        "100.64.0.1,               100.64.0.1,       private,      ok,       private",
        "fd12::1,                  fd12::1,          private,      ok,       private",
        "api.internal.example,     10.9.9.9,         private,      ok,       ok",
        "0.0.0.0,                  0.0.0.0,          not an address, not an address, not an address",
        "224.0.0.1,                224.0.0.1,        not an address, not an address, not an address",
        "93.184.216.34,            93.184.216.34,    ok,           ok,       ok",
        "203.0.113.9,              203.0.113.9,      ok,           ok,       deny",
        "forbidden.example,        93.184.216.34,    ok,           ok,       deny",
        "a.blocked.example,        '',               ok,           ok,       deny",
        "unresolved.example,       '',               ok,           ok,       ok",
    })
    void eachTargetIsJudgedByTheRulesInOrder(String host, String address, String production, String local,
            String configured) throws Exception {
        assertVerdict(judge(PRODUCTION, host, address), production);
        assertVerdict(judge(LOCAL, host, address), local);
        assertVerdict(judge(CONFIGURED, host, address), configured);
    }

    private static void assertVerdict(Optional<String> refusal, String expected) {
        if (expected.equals("ok")) {
            assertThat(refusal).isEmpty();
        } else {
            assertThat(refusal).hasValueSatisfying(reason -> assertThat(reason).contains(expected));
        }
    }

    @Test
    void aHostIsAllowedOnlyWhenEveryAddressItResolvesToIs() throws Exception {
        assertThat(PRODUCTION.refusal("mixed.example", List.of(InetAddress.getByName("93.184.216.34"),
                InetAddress.getByName("10.0.0.1")))).hasValue("mixed.example (10.0.0.1) is in a private range: allow it"
                + " with stampede.targets.allow-private or stampede.targets.allow");
    }

    @Test
    void entriesThatAreNeitherNamesNorAddressesAreNamed() {
        assertThat(TargetPolicy.of(List.of("10.0.0.0/33", "10.0.0/8", "exa mple.com", "ok.example"), List.of("::1/x"),
                false, false).problems()).containsExactly(
                "stampede.targets.allow: '10.0.0.0/33' has a prefix length outside 0..32",
                "stampede.targets.allow: '10.0.0/8' is not an address: use a.b.c.d or an IPv6 address",
                "stampede.targets.allow: 'exa mple.com' is neither a host name, *.domain, an address nor a CIDR",
                "stampede.targets.deny: '::1/x' has no prefix length after '/'");
    }
}
