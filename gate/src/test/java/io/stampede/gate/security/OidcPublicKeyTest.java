package io.stampede.gate.security;

import static io.restassured.RestAssured.given;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.stampede.testkit.KafkaBrokerResource;

/** A gate that cannot reach its provider verifies tokens with the provider's public key and issuer, configured. */
@QuarkusTest
@TestProfile(OidcPublicKeyTest.WithPublicKey.class)
@QuarkusTestResource(KafkaBrokerResource.class)
class OidcPublicKeyTest {

    public static class WithPublicKey implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "stampede.security.authentication", "true",
                    "stampede.security.oidc-roles", "perf-readers=read",
                    "quarkus.oidc.tenant-enabled", "true",
                    "quarkus.oidc.public-key", TestProvider.publicKey(),
                    "quarkus.oidc.token.issuer", TestProvider.ISSUER,
                    "quarkus.oidc.token.audience", TestProvider.AUDIENCE);
        }
    }

    @Test
    void theProvidersTokensAreTakenAndNoOthers() {
        given().header("Authorization", "Bearer " + TestProvider.token("rita", "perf-readers"))
                .get("/api/v1/jobs").then().statusCode(200);
        Instant later = Instant.now().plusSeconds(600);
        for (String refused : List.of(
                TestProvider.token("rita", List.of("perf-readers"), TestProvider.ISSUER, TestProvider.AUDIENCE, later,
                        TestProvider.newKeys().getPrivate()),
                TestProvider.token("rita", List.of("perf-readers"), "https://elsewhere.example.test",
                        TestProvider.AUDIENCE, later, TestProvider.keys().getPrivate()))) {
            given().header("Authorization", "Bearer " + refused).get("/api/v1/jobs").then().statusCode(401);
        }
    }
}
