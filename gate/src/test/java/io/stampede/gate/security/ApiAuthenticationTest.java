package io.stampede.gate.security;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.stampede.model.security.ApiKeys;
import io.stampede.model.security.KeyLimits;
import io.stampede.testkit.KafkaBrokerResource;

/** The gate's API with authentication on: keys, roles, and refusals as problems; keys never logged. */
@QuarkusTest
@TestProfile(ApiAuthenticationTest.Authenticated.class)
@QuarkusTestResource(KafkaBrokerResource.class)
class ApiAuthenticationTest {

    static final String READER = "stk_reader-key-for-the-authentication-test-0001";
    static final String SUBMITTER = "stk_submitter-key-for-the-authentication-test-02";
    static final String ADMIN = "stk_admin-key-for-the-authentication-test-000003";
    static final String UNKNOWN = "stk_nobody-knows-this-key-000000000000000000004";
    static final String LIMITED = "stk_limited-key-for-the-authentication-test-0005";

    public static class Authenticated implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("stampede.security.authentication", "true", "stampede.security.api-keys", String.join(",",
                    ApiKeys.entry("reader", java.util.Set.of(ApiKeys.Role.READ), READER),
                    ApiKeys.entry("submitter", java.util.Set.of(ApiKeys.Role.SUBMIT), SUBMITTER),
                    ApiKeys.entry("admin", java.util.Set.of(ApiKeys.Role.ADMIN), ADMIN),
                    ApiKeys.entry("limited", java.util.Set.of(ApiKeys.Role.SUBMIT), LIMITED,
                            KeyLimits.parse("vus=10;duration=10m"))));
        }
    }

    static LogCapture logged;

    @BeforeAll
    static void captureLogs() {
        logged = LogCapture.attach();
    }

    @AfterAll
    static void release() {
        logged.detach();
    }

    private static io.restassured.specification.RequestSpecification as(String key) {
        return given().header("Authorization", "Bearer " + key);
    }

    @Test
    void withoutAKeyEveryApiRequestIsA401ProblemThatSaysHowToSendOne() {
        for (String path : List.of("/api/v1/jobs", "/api/v1/jobs/j-1", "/api/v1/datacenters", "/api/v1/node",
                "/api/v1/cluster", "/api/v1/leadership")) {
            given().get(path).then().statusCode(401).contentType("application/problem+json")
                    .header("WWW-Authenticate", containsString("Bearer"))
                    .body("status", equalTo(401), "detail", containsString("Authorization: Bearer"));
        }
        given().contentType("application/yaml").body("name: x".getBytes(java.nio.charset.StandardCharsets.UTF_8)).post("/api/v1/jobs").then().statusCode(401);
        given().delete("/api/v1/jobs/j-1").then().statusCode(401);
    }

    @Test
    void anUnknownKeyIsRefusedWithoutBeingEchoed() {
        String body = as(UNKNOWN).get("/api/v1/jobs").then().statusCode(401)
                .contentType("application/problem+json").extract().asString();
        assertThat(body).doesNotContain(UNKNOWN).contains("not one this node accepts");
        // The dashboard's cookie is checked the same way.
        given().cookie("stampede-key", UNKNOWN).get("/api/v1/jobs").then().statusCode(401);
        // A gate that takes no OIDC tokens (the default) refuses a valid one too.
        as(TestProvider.token("ada", "perf-admins")).get("/api/v1/jobs").then().statusCode(401)
                .contentType("application/problem+json");
    }

    @Test
    void aKeyWithoutTheRoleIsA403() {
        as(READER).contentType("application/yaml").body("name: x".getBytes(java.nio.charset.StandardCharsets.UTF_8)).post("/api/v1/jobs").then().statusCode(403)
                .contentType("application/problem+json").body("status", equalTo(403));
        as(READER).delete("/api/v1/jobs/j-1").then().statusCode(403);
        as(SUBMITTER).get("/api/v1/jobs").then().statusCode(403);
        as(SUBMITTER).get("/api/v1/node").then().statusCode(403);
    }

    @Test
    void aJobOverItsKeysLimitsIsA403ProblemWithEachExcessAtItsPath() {
        String over = """
                name: big
                timeout: 1h
                workflows:
                  - {name: a, vus: 11, iterations: 1, steps: [{name: s, request: {url: "http://example.com/"}}]}
                """;
        as(LIMITED).contentType("application/yaml").body(over.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .post("/api/v1/jobs").then().statusCode(403).contentType("application/problem+json")
                .body("title", equalTo("Over this caller's limits"), "detail", containsString("'limited'"),
                        "errors.path", contains("workflows", "timeout"),
                        "errors[1].message", equalTo("1h is longer than this caller's limit of 10m"));
        // Within the limits, or from a key without any, the job goes on to routing (no datacenter here: 503).
        as(LIMITED).contentType("application/yaml").body(over.replace("vus: 11", "vus: 10").replace("1h", "10m")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8)).post("/api/v1/jobs").then().statusCode(503);
        as(SUBMITTER).contentType("application/yaml").body(over.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .post("/api/v1/jobs").then().statusCode(503);
    }

    @Test
    void eachRoleReachesWhatItMay() {
        as(READER).get("/api/v1/node").then().statusCode(200);
        as(READER).get("/api/v1/jobs/j-unknown").then().statusCode(404);
        // Past authentication and authorization: the job document itself is what is refused.
        as(SUBMITTER).contentType("application/yaml").body("name: [".getBytes(java.nio.charset.StandardCharsets.UTF_8)).post("/api/v1/jobs").then().statusCode(400);
        as(SUBMITTER).delete("/api/v1/jobs/j-unknown").then().statusCode(404);
        as(ADMIN).get("/api/v1/datacenters").then().statusCode(200);
        as(ADMIN).contentType("application/yaml").body("name: [".getBytes(java.nio.charset.StandardCharsets.UTF_8)).post("/api/v1/jobs").then().statusCode(400);
        given().cookie("stampede-key", READER).get("/api/v1/node").then().statusCode(200);
        // Health and metrics stay open, for probes and scrapers.
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200);
    }

    @Test
    void noKeyEverReachesTheLog() {
        for (String key : List.of(READER, SUBMITTER, ADMIN, UNKNOWN)) {
            as(key).get("/api/v1/jobs/j-x").then().statusCode(org.hamcrest.Matchers.oneOf(401, 403, 404));
        }
        assertThat(logged.lines()).isNotEmpty();
        assertThat(logged.lines()).noneMatch(line -> line.contains(READER) || line.contains(SUBMITTER)
                || line.contains(ADMIN) || line.contains(UNKNOWN));
    }
}
