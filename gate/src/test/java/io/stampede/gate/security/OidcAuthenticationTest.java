package io.stampede.gate.security;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Instant;
import java.util.Base64;
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
 * The gate's API taking OIDC access tokens beside API keys: tokens signed by the identity provider's
 * key (verified with {@code quarkus.oidc.public-key}, as a gate without a reachable provider would),
 * their groups mapped to roles, {@code stampede.security.oidc-limits} applied, and every other token
 * refused with the same 401 problem as an unknown key.
 */
@QuarkusTest
@TestProfile(OidcAuthenticationTest.WithOidc.class)
@QuarkusTestResource(KafkaBrokerResource.class)
class OidcAuthenticationTest {

    static final String ISSUER = "https://idp.example.test/realms/perf";
    static final String AUDIENCE = "stampede";
    /**
     * The identity provider's keys. Kept in a system property: Quarkus reads the profile through
     * another class loader than the tests run in, and each would make a pair of its own.
     */
    static final KeyPair PROVIDER = sharedKeyPair("oidc-authentication-test.provider-key");
    static final KeyPair OTHER = keyPair();
    static final String READER_KEY = "stk_reader-key-for-the-oidc-authentication-test-1";

    public static class WithOidc implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.ofEntries(
                    Map.entry("stampede.security.authentication", "true"),
                    Map.entry("stampede.security.api-keys", ApiKeys.entry("reader", Set.of(ApiKeys.Role.READ), READER_KEY)),
                    Map.entry("stampede.security.oidc-limits", "vus=10;duration=10m"),
                    Map.entry("quarkus.oidc.tenant-enabled", "true"),
                    Map.entry("quarkus.oidc.public-key", Base64.getEncoder().encodeToString(PROVIDER.getPublic().getEncoded())),
                    Map.entry("quarkus.oidc.token.issuer", ISSUER),
                    Map.entry("quarkus.oidc.token.audience", AUDIENCE),
                    Map.entry("quarkus.http.auth.roles-mapping.\"perf-readers\"", "read"),
                    Map.entry("quarkus.http.auth.roles-mapping.\"perf-engineers\"", "read,submit"),
                    Map.entry("quarkus.http.auth.roles-mapping.\"perf-admins\"", "admin"));
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

    private static synchronized KeyPair sharedKeyPair(String property) {
        try {
            java.security.KeyFactory rsa = java.security.KeyFactory.getInstance("RSA");
            String kept = System.getProperty(property);
            if (kept == null) {
                KeyPair made = keyPair();
                kept = Base64.getEncoder().encodeToString(made.getPrivate().getEncoded()) + ","
                        + Base64.getEncoder().encodeToString(made.getPublic().getEncoded());
                System.setProperty(property, kept);
            }
            String[] parts = kept.split(",");
            return new KeyPair(
                    rsa.generatePublic(new java.security.spec.X509EncodedKeySpec(Base64.getDecoder().decode(parts[1]))),
                    rsa.generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(Base64.getDecoder().decode(parts[0]))));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair keyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String token(String user, List<String> groups, String issuer, Instant expires, PrivateKey key) {
        return token(user, groups, issuer, AUDIENCE, expires, key);
    }

    /** An RS256 access token for {@code user} in {@code groups}, of {@code issuer} for {@code audience}, signed by {@code key}. */
    private static String token(String user, List<String> groups, String issuer, String audience, Instant expires,
            PrivateKey key) {
        Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
        String header = base64.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String groupList = String.join(",", groups.stream().map(group -> "\"" + group + "\"").toList());
        String claims = base64.encodeToString("""
                {"iss": "%s", "aud": "%s", "sub": "%s", "preferred_username": "%s", "groups": [%s],
                 "iat": %d, "exp": %d}
                """.formatted(issuer, audience, user, user, groupList, expires.getEpochSecond() - 600,
                expires.getEpochSecond()).getBytes(StandardCharsets.UTF_8));
        try {
            Signature signature = Signature.getInstance("SHA256withRSA");
            signature.initSign(key);
            signature.update((header + "." + claims).getBytes(StandardCharsets.US_ASCII));
            return header + "." + claims + "." + base64.encodeToString(signature.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String token(String user, String... groups) {
        return token(user, List.of(groups), ISSUER, Instant.now().plusSeconds(600), PROVIDER.getPrivate());
    }

    private static RequestSpecification as(String bearer) {
        return given().header("Authorization", "Bearer " + bearer);
    }

    private static RequestSpecification job(String bearer, String yaml) {
        return as(bearer).contentType("application/yaml").body(yaml.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aTokensGroupsGiveItsRoles() {
        String reader = token("rita", "perf-readers");
        as(reader).get("/api/v1/jobs").then().statusCode(200);
        as(reader).get("/api/v1/node").then().statusCode(200);
        job(reader, "name: [").post("/api/v1/jobs").then().statusCode(403).contentType("application/problem+json");

        // Past authentication and authorization: the job document itself is what is refused.
        String engineer = token("erin", "perf-engineers");
        job(engineer, "name: [").post("/api/v1/jobs").then().statusCode(400);
        as(engineer).delete("/api/v1/jobs/j-unknown").then().statusCode(404);

        String admin = token("ada", "perf-admins");
        as(admin).get("/api/v1/datacenters").then().statusCode(200);
        job(admin, "name: [").post("/api/v1/jobs").then().statusCode(400);

        // A token of no mapped group is a user with no role.
        as(token("nobody", "marketing")).get("/api/v1/jobs").then().statusCode(403);
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
        for (String refused : List.of(
                token("mallory", List.of("perf-admins"), ISSUER, later, OTHER.getPrivate()),
                token("ada", List.of("perf-admins"), ISSUER, Instant.now().minusSeconds(3_600), PROVIDER.getPrivate()),
                token("ada", List.of("perf-admins"), "https://elsewhere.example.test", later, PROVIDER.getPrivate()),
                token("ada", List.of("perf-admins"), ISSUER, "another-app", later, PROVIDER.getPrivate()))) {
            String body = as(refused).get("/api/v1/jobs").then().statusCode(401).contentType("application/problem+json")
                    .header("WWW-Authenticate", containsString("Bearer")).extract().asString();
            assertThat(body).doesNotContain(refused).contains("not one this node accepts");
            job(refused, "name: [").post("/api/v1/jobs").then().statusCode(401);
        }
        assertThat(logged.lines()).noneMatch(line -> line.contains(".eyJ"));
    }

    @Test
    void theLimitsOfOidcCallersApplyToEveryToken() {
        String over = """
                name: big
                timeout: 1h
                workflows:
                  - {name: a, vus: 11, iterations: 1, steps: [{name: s, request: {url: "http://example.com/"}}]}
                """;
        job(token("erin", "perf-engineers"), over).post("/api/v1/jobs").then().statusCode(403)
                .contentType("application/problem+json")
                .body("title", equalTo("Over this caller's limits"), "detail", containsString("'erin'"),
                        "errors.path", contains("workflows", "timeout"));
        // Within them, the job goes on to routing (no datacenter here: 503).
        job(token("erin", "perf-engineers"), over.replace("vus: 11", "vus: 10").replace("1h", "10m"))
                .post("/api/v1/jobs").then().statusCode(503);
    }
}
