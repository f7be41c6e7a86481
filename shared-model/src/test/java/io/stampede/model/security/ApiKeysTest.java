package io.stampede.model.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import io.stampede.model.security.ApiKeys.Role;

class ApiKeysTest {

    @Test
    void aKeyIsFoundByItsHashWithItsNameAndRolesAndAdminBringsEveryRole() {
        String ci = ApiKeys.generate(new SplittableRandom(1));
        String ops = ApiKeys.generate(new SplittableRandom(2));
        ApiKeys.Parsed parsed = ApiKeys.parse(List.of("# the CI pipeline", ApiKeys.entry("ci", Set.of(Role.SUBMIT, Role.READ), ci),
                "", ApiKeys.entry("ops", Set.of(Role.ADMIN), ops)), "test");
        assertThat(parsed.problems()).isEmpty();
        assertThat(parsed.keys().find(ci)).hasValueSatisfying(key -> {
            assertThat(key.name()).isEqualTo("ci");
            assertThat(key.roles()).containsExactlyInAnyOrder(Role.SUBMIT, Role.READ);
        });
        assertThat(parsed.keys().find(ops).orElseThrow().roles()).containsExactlyInAnyOrder(Role.values());
        assertThat(parsed.keys().find(ci + "x")).isEmpty();
        assertThat(parsed.keys().find("")).isEmpty();
        assertThat(parsed.keys().find(null)).isEmpty();
    }

    @Test
    void aGeneratedKeyHas256RandomBitsBehindItsPrefixAndEachIsNew() {
        SplittableRandom random = new SplittableRandom(7);
        String first = ApiKeys.generate(random);
        assertThat(first).startsWith(ApiKeys.PREFIX).hasSize(ApiKeys.PREFIX.length() + 43);
        assertThat(ApiKeys.generate(random)).isNotEqualTo(first);
        assertThat(ApiKeys.hash(first)).hasSize(64).doesNotContain(first.substring(4));
    }

    @Test
    void everyWrongEntryIsNamedWithWhereItIs() {
        String hash = ApiKeys.hash("k");
        ApiKeys.Parsed parsed = ApiKeys.parse(List.of("ci:read", "c i:read:" + hash, "ci:read:abc", "ci:reader:" + hash,
                "ok:read:" + hash, "ok:submit:" + ApiKeys.hash("other"), "twin:read:" + hash,
                "unauthenticated:read:" + ApiKeys.hash("u")), "stampede.security.api-keys");
        assertThat(parsed.problems()).containsExactly(
                "stampede.security.api-keys entry 1: must be name:roles:sha256 or name:roles:sha256:limits (the key"
                        + " itself is never configured)",
                "stampede.security.api-keys entry 2: the name 'c i' must be 1-64 letters, digits, dots, dashes or underscores",
                "stampede.security.api-keys entry 3 (ci): the hash must be 64 hex digits, the SHA-256 of the key",
                "stampede.security.api-keys entry 4 (ci): its roles must be read, submit or admin, joined by +",
                "stampede.security.api-keys entry 6: the name 'ok' is used twice",
                "stampede.security.api-keys entry 7 (twin): the same key as 'ok'",
                "stampede.security.api-keys entry 8: the name 'unauthenticated' is reserved");
        assertThat(parsed.keys().size()).isEqualTo(1);
    }

    @Test
    void aKeysEntryMayEndWithItsLimitsAndWrongOnesAreNamedWithoutEchoingThem() {
        String key = ApiKeys.generate(new SplittableRandom(3));
        KeyLimits limits = KeyLimits.parse("vus=50;duration=10m");
        String entry = ApiKeys.entry("ci", Set.of(Role.SUBMIT), key, limits);
        assertThat(entry).endsWith(":vus=50;duration=10m");
        ApiKeys.Parsed parsed = ApiKeys.parse(List.of(entry, "other:read:" + ApiKeys.hash("o") + ":" + key), "file");
        assertThat(parsed.keys().find(key).orElseThrow().limits()).isEqualTo(limits);
        assertThat(parsed.problems()).containsExactly("file entry 2 (other): its limits (vus=N;rate=R;duration=D): each"
                + " limit is vus=N, rate=R or duration=D");
        assertThat(ApiKeys.parse(List.of(ApiKeys.entry("plain", Set.of(Role.READ), "k")), "file").keys().find("k")
                .orElseThrow().limits()).isEqualTo(KeyLimits.NONE);
    }
}
