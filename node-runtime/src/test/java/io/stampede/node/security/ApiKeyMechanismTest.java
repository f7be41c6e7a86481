package io.stampede.node.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.stampede.model.security.ApiKeys;

/** Which bearer tokens the API key mechanism leaves to OIDC: those shaped like a JWT, and only those. */
class ApiKeyMechanismTest {

    @ParameterizedTest
    @ValueSource(strings = {
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl",
        "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcCJ9.AbC-_9"})
    void aJwtIsLeftToOidc(String token) {
        assertThat(ApiKeyMechanism.jwtShaped(token)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "stk_Jr2abcDEF-_0123456789",
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9",
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.",
        "eyJhbGciOiJSUzI1NiJ9..c2lnbmF0dXJl",
        "abc.def.ghi",
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIi OiJhbGljZSJ9.c2ln",
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln.extra",
        "eyJ+/=.eyJ.sig"})
    void anythingElseIsTakenForAnApiKey(String token) {
        assertThat(ApiKeyMechanism.jwtShaped(token)).isFalse();
    }

    @Test
    void noGeneratedKeyIsShapedLikeAJwt() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 1_000; i++) {
            assertThat(ApiKeyMechanism.jwtShaped(ApiKeys.generate(random))).isFalse();
        }
    }
}
