package io.stampede.node.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.stampede.model.security.ApiKeys;
import io.stampede.model.security.KeyLimits;
import io.stampede.node.config.NodeConfig;

/**
 * The API keys this node accepts, read once at start from {@code stampede.security.api-keys} and
 * {@code stampede.security.api-keys-file}, and the limits of OIDC callers
 * ({@code stampede.security.oidc-limits}). Problems with them stop the node ({@link #problems}).
 */
@Singleton
public class ApiKeyRegistry {

    private static final Logger LOG = Logger.getLogger(ApiKeyRegistry.class);

    private final boolean authentication;
    private final ApiKeys keys;
    private final KeyLimits oidcLimits;
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
        KeyLimits tokens = KeyLimits.NONE;
        try {
            tokens = KeyLimits.parse(security.oidcLimits().orElse(""));
        } catch (IllegalArgumentException e) {
            found.add("stampede.security.oidc-limits: " + e.getMessage());
        }
        this.oidcLimits = tokens;
        this.problems = List.copyOf(found);
        if (!authentication) {
            LOG.warn("API authentication is off (stampede.security.authentication=false): anyone who reaches this"
                    + " node's HTTP port may use its whole API");
        } else if (keys.size() == 0 && problems.isEmpty()) {
            LOG.warn("no API keys are configured (stampede.security.api-keys or api-keys-file): every API request"
                    + " is refused with 401");
        }
    }

    /** Whether API requests must present a key. */
    public boolean authentication() {
        return authentication;
    }

    public ApiKeys keys() {
        return keys;
    }

    /** How much load a caller who presents an OIDC access token may ask for in one job. */
    public KeyLimits oidcLimits() {
        return oidcLimits;
    }

    /** What is wrong with the configured keys, each as {@code key: what is wrong}. */
    public List<String> problems() {
        return problems;
    }
}
