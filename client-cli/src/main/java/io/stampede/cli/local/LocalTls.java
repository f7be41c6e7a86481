package io.stampede.cli.local;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import io.stampede.local.Certificates;

/**
 * What of a local cluster's own traffic runs over mutual TLS ({@code stampede local up --tls}):
 * the gates' probes of managers, Raft, or both. For each, {@code local up} makes an authority of its
 * own and one certificate that every node presents (naming 127.0.0.1 and localhost, valid for a
 * year) in the cluster's {@code tls} directory, and gives them to the nodes as the settings the
 * manifests would (docs/security.md#probes-over-mutual-tls). Workers are given them too and ignore
 * them.
 */
public enum LocalTls {
    /** The gates' probes of managers: {@code stampede.control.tls.*}. */
    CONTROL("stampede.control.tls."),
    /** Raft among the gates and among each datacenter's managers (experimental): {@code stampede.leadership.tls.*}. */
    RAFT("stampede.leadership.tls.");

    /** How long the certificates local makes are valid: past the nodes' 30-day expiry warning. */
    static final Duration VALIDITY = Duration.ofDays(365);

    private final String prefix;

    LocalTls(String prefix) {
        this.prefix = prefix;
    }

    /** The name on the command line: {@code control}, {@code raft}. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The settings this part gives nodes, e.g. {@code stampede.control.tls.}. */
    String prefix() {
        return prefix;
    }

    /** Whether {@code properties} (the user's {@code -D}s) set any of this part's settings. */
    boolean setIn(Map<String, String> properties) {
        return properties.keySet().stream().anyMatch(key -> key.startsWith(prefix));
    }

    /**
     * Makes an authority and the nodes' certificate in {@code directory} for each of {@code parts}
     * and returns the node properties that give them to every node; none when it is empty. The
     * authorities' own keys are deleted once the certificates are made.
     */
    static Map<String, String> configure(Set<LocalTls> parts, Path directory) throws IOException {
        Map<String, String> properties = new LinkedHashMap<>();
        for (LocalTls part : parts) {
            String name = "stampede-local-" + part.label();
            try (Certificates authority = Certificates.authority(directory, name, VALIDITY)) {
                Certificates.Issued node = authority.issue("node");
                properties.put(part.prefix + "certificate", node.certificate().toString());
                properties.put(part.prefix + "private-key", node.privateKey().toString());
                properties.put(part.prefix + "trust", node.trust().toString());
            }
        }
        return properties;
    }
}
