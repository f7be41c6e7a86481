package io.stampede.gate.security;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

import com.sun.net.httpserver.HttpServer;

/**
 * An OpenID Connect provider for the gate's tests: its signing key, the access tokens it issues, and
 * (on demand) a real HTTP server with its discovery document and key set, as a gate reaches a
 * provider. Its key and address are kept in system properties: Quarkus reads a test profile through
 * another class loader than the tests run in, and each would otherwise make its own.
 */
final class TestProvider {

    static final String ISSUER = "https://idp.example.test/realms/perf";
    static final String AUDIENCE = "stampede";
    static final String KEY_ID = "test-key-1";
    private static final String KEY_PROPERTY = "gate-test-oidc.provider-key";
    private static final String URL_PROPERTY = "gate-test-oidc.provider-url";
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    private TestProvider() {
    }

    /** The provider's signing keys, the same in every class loader of the test JVM. */
    static synchronized KeyPair keys() {
        try {
            KeyFactory rsa = KeyFactory.getInstance("RSA");
            String kept = System.getProperty(KEY_PROPERTY);
            if (kept == null) {
                KeyPair made = newKeys();
                kept = Base64.getEncoder().encodeToString(made.getPrivate().getEncoded()) + ","
                        + Base64.getEncoder().encodeToString(made.getPublic().getEncoded());
                System.setProperty(KEY_PROPERTY, kept);
            }
            String[] parts = kept.split(",");
            return new KeyPair(rsa.generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(parts[1]))),
                    rsa.generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(parts[0]))));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A key pair of no provider's. */
    static KeyPair newKeys() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The provider's public key as {@code quarkus.oidc.public-key} takes it. */
    static String publicKey() {
        return Base64.getEncoder().encodeToString(keys().getPublic().getEncoded());
    }

    /**
     * The provider's URL ({@code quarkus.oidc.auth-server-url}), serving its discovery document and
     * key set from 127.0.0.1 for as long as the test JVM runs.
     */
    static synchronized String url() {
        String kept = System.getProperty(URL_PROPERTY);
        if (kept != null) {
            return kept;
        }
        String url = serve(0);
        System.setProperty(URL_PROPERTY, url);
        return url;
    }

    /**
     * Serves the provider's discovery document and key set from 127.0.0.1 at {@code port} (0: any
     * free port) for as long as the test JVM runs, and returns its URL.
     */
    static String serve(int port) {
        RSAPublicKey key = (RSAPublicKey) keys().getPublic();
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/realms/perf";
            serve(server, "/realms/perf/.well-known/openid-configuration", """
                    {"issuer": "%s", "jwks_uri": "%s/protocol/openid-connect/certs"}
                    """.formatted(ISSUER, url));
            serve(server, "/realms/perf/protocol/openid-connect/certs", """
                    {"keys": [{"kty": "RSA", "kid": "%s", "use": "sig", "alg": "RS256", "n": "%s", "e": "%s"}]}
                    """.formatted(KEY_ID, unsigned(key.getModulus()), unsigned(key.getPublicExponent())));
            server.start();
            return url;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void serve(HttpServer server, String path, String json) {
        server.createContext(path, exchange -> {
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
    }

    private static String unsigned(BigInteger value) {
        byte[] bytes = value.toByteArray();
        int skip = bytes.length > 1 && bytes[0] == 0 ? 1 : 0;
        return BASE64URL.encodeToString(java.util.Arrays.copyOfRange(bytes, skip, bytes.length));
    }

    /** An RS256 access token the provider issues for the gate to {@code user}, in {@code groups}. */
    static String token(String user, String... groups) {
        return token(user, List.of(groups), ISSUER, AUDIENCE, Instant.now().plusSeconds(600), keys().getPrivate());
    }

    /**
     * An RS256 access token of {@code issuer} for {@code audience}, to {@code user} (its
     * {@code preferred_username}; its {@code sub} is an id) in {@code groups}, signed by {@code key}.
     */
    static String token(String user, List<String> groups, String issuer, String audience, Instant expires,
            PrivateKey key) {
        String header = encode("""
                {"alg": "RS256", "typ": "JWT", "kid": "%s"}""".formatted(KEY_ID));
        String groupList = String.join(",", groups.stream().map(group -> "\"" + group + "\"").toList());
        String claims = encode("""
                {"iss": "%s", "aud": "%s", "sub": "id-%08x", "preferred_username": "%s", "groups": [%s],
                 "iat": %d, "exp": %d}""".formatted(issuer, audience, user.hashCode(), user, groupList,
                expires.getEpochSecond() - 600, expires.getEpochSecond()));
        try {
            Signature signature = Signature.getInstance("SHA256withRSA");
            signature.initSign(key);
            signature.update((header + "." + claims).getBytes(StandardCharsets.US_ASCII));
            return header + "." + claims + "." + BASE64URL.encodeToString(signature.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String encode(String json) {
        return BASE64URL.encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
