package io.stampede.gate.security;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.stampede.model.security.ApiKeys;
import io.stampede.testkit.KafkaBrokerResource;

/**
 * A gate whose OIDC provider does not answer when it starts: it starts, API keys work, a token is
 * answered 503 with {@code Retry-After} (it may be good; never a 500, never a hang), and once the
 * provider answers the gate takes its tokens without a restart.
 */
@QuarkusTest
@TestProfile(OidcProviderDownTest.ProviderDown.class)
@QuarkusTestResource(KafkaBrokerResource.class)
class OidcProviderDownTest {

    static final String READER_KEY = "stk_reader-key-for-the-oidc-provider-down-test-01";
    private static final String PORT_PROPERTY = "gate-test-oidc.down-provider-port";

    /** A port nothing listens on yet, the same in every class loader of the test JVM. */
    static synchronized int port() {
        String kept = System.getProperty(PORT_PROPERTY);
        if (kept == null) {
            try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                kept = Integer.toString(free.getLocalPort());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            System.setProperty(PORT_PROPERTY, kept);
        }
        return Integer.parseInt(kept);
    }

    public static class ProviderDown implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "stampede.security.authentication", "true",
                    "stampede.security.api-keys", ApiKeys.entry("reader", Set.of(ApiKeys.Role.READ), READER_KEY),
                    "stampede.security.oidc-roles", "perf-readers=read",
                    "quarkus.oidc.tenant-enabled", "true",
                    "quarkus.oidc.auth-server-url", "http://127.0.0.1:" + port() + "/realms/perf",
                    "quarkus.oidc.token.issuer", TestProvider.ISSUER,
                    "quarkus.oidc.token.audience", TestProvider.AUDIENCE);
        }
    }

    @Test
    void theGateStartsWithoutItsProviderAnswersTokensRetryLaterUntilItAnswersAndThenTakesThem() {
        given().header("Authorization", "Bearer " + READER_KEY).get("/api/v1/jobs").then().statusCode(200);
        String token = TestProvider.token("rita", "perf-readers");
        given().header("Authorization", "Bearer " + token).get("/api/v1/jobs").then().statusCode(503)
                .contentType("application/problem+json").header("Retry-After", "2")
                .body("detail", org.hamcrest.Matchers.containsString("OIDC provider"));

        TestProvider.serve(port());

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                given().header("Authorization", "Bearer " + token).get("/api/v1/jobs").then().statusCode(200));
        given().header("Authorization", "Bearer " + READER_KEY).get("/api/v1/jobs").then().statusCode(200);
    }
}
