package io.stampede.node.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.stampede.model.security.ApiKeys;
import io.stampede.node.config.NodeConfig;

/**
 * The API keys this node accepts, read once at start from {@code stampede.security.api-keys} and
 * {@code stampede.security.api-keys-file}, and what it makes of OIDC access tokens
 * ({@link OidcSettings}). Problems with them stop the node ({@link #problems}).
 */
@Singleton
public class ApiKeyRegistry {

    private static final Logger LOG = Logger.getLogger(ApiKeyRegistry.class);
    /** Whether this node has Quarkus's OIDC support (gates do). */
    private static final boolean OIDC_PRESENT = present("io.quarkus.oidc.AccessTokenCredential");

    private final boolean authentication;
    private final ApiKeys keys;
    private final OidcSettings oidc;
    private final List<String> problems;

    public ApiKeyRegistry(NodeConfig config) {
        NodeConfig.Security security = config.security();
        this.authentication = security.authentication();
        List<String> found = new ArrayList<>();
        ApiKeys.Parsed inline = ApiKeys.parse(security.apiKeys().orElse(List.of()), "stampede.security.api-keys");
        found.addAll(inline.problems());
        ApiKeys all = inline.keys();
        if (security.apiKeysFile().isPresent()) {
            Path file = Path.of(security.apiKeysFile().get());
            try {
                ApiKeys.Parsed fromFile = ApiKeys.parse(Files.readAllLines(file), "stampede.security.api-keys-file " + file);
                found.addAll(fromFile.problems());
                all = all.and(fromFile.keys());
            } catch (IOException e) {
                found.add("stampede.security.api-keys-file: cannot read " + file + ": " + e.getClass().getSimpleName());
            }
        }
        this.keys = all;
        org.eclipse.microprofile.config.Config quarkus = org.eclipse.microprofile.config.ConfigProvider.getConfig();
        boolean undiscovered = OidcSettings.undiscovered(name -> quarkus.getOptionalValue(name, String.class));
        this.oidc = OidcSettings.of(OIDC_PRESENT && quarkus.getOptionalValue("quarkus.oidc.tenant-enabled", Boolean.class)
                        .orElse(true), security.oidcRoles().orElse(List.of()), security.oidcLimits(),
                quarkus.getOptionalValue("quarkus.oidc.token.audience", String.class), undiscovered,
                quarkus.getOptionalValue("quarkus.oidc.token.issuer", String.class),
                OIDC_PRESENT ? OidcSettings.tenants(quarkus.getPropertyNames()) : java.util.Set.of());
        found.addAll(oidc.problems());
        this.problems = List.copyOf(found);
        if (!authentication) {
            LOG.warn("API authentication is off (stampede.security.authentication=false): anyone who reaches this"
                    + " node's HTTP port may use its whole API");
            return;
        }
        oidc.warnings().forEach(LOG::warn);
        if (keys.size() == 0 && problems.isEmpty()) {
            LOG.warn("no API keys are configured (stampede.security.api-keys or api-keys-file): every API request"
                    + (oidc.on() ? " without an OIDC access token" : "") + " is refused with 401");
        }
    }

    private static boolean present(String className) {
        try {
            Class.forName(className, false, ApiKeyRegistry.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /** Whether API requests must present a key. */
    public boolean authentication() {
        return authentication;
    }

    public ApiKeys keys() {
        return keys;
    }

    /** What this node makes of OIDC access tokens: their roles and limits. */
    public OidcSettings oidc() {
        return oidc;
    }

    /** What is wrong with the configured keys, each as {@code key: what is wrong}. */
    public List<String> problems() {
        return problems;
    }
}
