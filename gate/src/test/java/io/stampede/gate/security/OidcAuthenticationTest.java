package io.stampede.gate.security;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.specification.RequestSpecification;
import io.stampede.model.security.ApiKeys;
import io.stampede.testkit.KafkaBrokerResource;

/**
 * The gate's API taking OIDC access tokens beside API keys, as in production: the gate finds the
 * provider's keys through its discovery document ({@link TestProvider}, a real HTTP server), maps
 * the tokens' groups to roles with {@code stampede.security.oidc-roles} (and gives nothing for any
 * other group, one called {@code admin} included), applies {@code stampede.security.oidc-limits},
 * and refuses every other token with the same 401 problem as an unknown key.
 */
@QuarkusTest
@TestProfile(OidcAuthenticationTest.WithOidc.class)
@QuarkusTestResource(KafkaBrokerResource.class)
class OidcAuthenticationTest {

    static final String READER_KEY = "stk_reader-key-for-the-oidc-authentication-test-1";

    public static class WithOidc implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "stampede.security.authentication", "true",
                    "stampede.security.api-keys", ApiKeys.entry("reader", Set.of(ApiKeys.Role.READ), READER_KEY),
                    "stampede.security.oidc-roles", "perf-readers=read,perf-engineers=read+submit,perf-admins=admin",
                    "stampede.security.oidc-limits", "vus=10;duration=10m",
                    "quarkus.oidc.tenant-enabled", "true",
                    "quarkus.oidc.auth-server-url", TestProvider.url(),
                    "quarkus.oidc.token.audience", TestProvider.AUDIENCE);
        }
    }

    static LogCapture logged;

    @BeforeAll
    static void captureLogs() {
        logged = LogCapture.attach();
    }

    @AfterAll
    static void release() {
        if (logged != null) {
            logged.detach();
        }
    }

    private static RequestSpecification as(String bearer) {
        return given().header("Authorization", "Bearer " + bearer);
    }

    private static RequestSpecification job(String bearer, String yaml) {
        return as(bearer).contentType("application/yaml").body(yaml.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aTokensMappedGroupsGiveItsRolesAndNothingElseDoes() {
        String reader = TestProvider.token("rita", "perf-readers");
        as(reader).get("/api/v1/jobs").then().statusCode(200);
        as(reader).get("/api/v1/node").then().statusCode(200);
        job(reader, "name: [").post("/api/v1/jobs").then().statusCode(403).contentType("application/problem+json");

        // Past authentication and authorization: the job document itself is what is refused.
        String engineer = TestProvider.token("erin", "perf-engineers");
        job(engineer, "name: [").post("/api/v1/jobs").then().statusCode(400);
        as(engineer).delete("/api/v1/jobs/j-unknown").then().statusCode(404);

        String admin = TestProvider.token("ada", "perf-admins");
        for (String path : List.of("/api/v1/datacenters", "/api/v1/jobs", "/api/v1/node", "/api/v1/cluster",
                "/api/v1/leadership")) {
            as(admin).get(path).then().statusCode(200);
        }
        job(admin, "name: [").post("/api/v1/jobs").then().statusCode(400);
        as(admin).delete("/api/v1/jobs/j-unknown").then().statusCode(404);

        // Groups no entry maps give no role, even ones named as Stampede's roles are.
        for (String unmapped : List.of("marketing", "admin", "read", "submit")) {
            String token = TestProvider.token("nobody", unmapped);
            as(token).get("/api/v1/jobs").then().statusCode(403);
            job(token, "name: [").post("/api/v1/jobs").then().statusCode(403);
        }
    }

    @Test
    void apiKeysStillWorkBesideTokens() {
        as(READER_KEY).get("/api/v1/jobs").then().statusCode(200);
        as("stk_nobody-knows-this-key-00000000000000000000000").get("/api/v1/jobs").then().statusCode(401);
        given().get("/api/v1/jobs").then().statusCode(401).header("WWW-Authenticate", containsString("Bearer"));
    }

    @Test
    void aTokenNotFromTheProviderExpiredOrForAnotherIssuerOrAudienceIsA401Problem() {
        Instant later = Instant.now().plusSeconds(600);
        java.security.PrivateKey provider = TestProvider.keys().getPrivate();
        List<String> refused = List.of(
                TestProvider.token("mallory", List.of("perf-admins"), TestProvider.ISSUER, TestProvider.AUDIENCE, later,
                        TestProvider.newKeys().getPrivate()),
                TestProvider.token("ada", List.of("perf-admins"), TestProvider.ISSUER, TestProvider.AUDIENCE,
                        Instant.now().minusSeconds(3_600), provider),
                TestProvider.token("ada", List.of("perf-admins"), "https://elsewhere.example.test", TestProvider.AUDIENCE,
                        later, provider),
                TestProvider.token("ada", List.of("perf-admins"), TestProvider.ISSUER, "another-app", later, provider));
        for (String token : refused) {
            String body = as(token).get("/api/v1/jobs").then().statusCode(401).contentType("application/problem+json")
                    .header("WWW-Authenticate", containsString("Bearer")).extract().asString();
            assertThat(body).doesNotContain(token).contains("not one this node accepts");
            job(token, "name: [").post("/api/v1/jobs").then().statusCode(401);
        }
        assertThat(logged.lines()).isNotEmpty();
        for (String token : refused) {
            String signature = token.substring(token.lastIndexOf('.') + 1);
            assertThat(logged.lines()).noneMatch(line -> line.contains(token) || line.contains(signature));
        }
    }

    @Test
    void theLimitsOfOidcCallersApplyToEveryTokenAndTheCallerIsNamedByItsUser() {
        String over = """
                name: big
                timeout: 1h
                workflows:
                  - {name: a, vus: 11, iterations: 1, steps: [{name: s, request: {url: "http://example.com/"}}]}
                """;
        job(TestProvider.token("erin", "perf-engineers"), over).post("/api/v1/jobs").then().statusCode(403)
                .contentType("application/problem+json")
                .body("title", equalTo("Over this caller's limits"), "detail", containsString("'erin'"),
                        "errors.path", contains("workflows", "timeout"));
        // Within them, the job goes on to routing (no datacenter here: 503).
        job(TestProvider.token("erin", "perf-engineers"), over.replace("vus: 11", "vus: 10").replace("1h", "10m"))
                .post("/api/v1/jobs").then().statusCode(503);
    }
}
