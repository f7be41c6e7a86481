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
 * the gates' probes of managers, Raft, or both. {@code local up} makes an authority and one
 * certificate for every node (naming 127.0.0.1 and localhost, valid for a year) in the cluster's
 * {@code tls} directory, and gives them to the nodes as the settings the manifests would
 * (docs/security.md#probes-over-mutual-tls).
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

    /**
     * Makes the authority and the nodes' certificate in {@code directory} and returns the node
     * properties that give them to every node for each of {@code parts}; none when it is empty.
     */
    static Map<String, String> configure(Set<LocalTls> parts, Path directory) throws IOException {
        Map<String, String> properties = new LinkedHashMap<>();
        if (parts.isEmpty()) {
            return properties;
        }
        Certificates.Issued node = Certificates.authority(directory, "stampede-local", VALIDITY).issue("node");
        for (LocalTls part : parts) {
            properties.put(part.prefix + "certificate", node.certificate().toString());
            properties.put(part.prefix + "private-key", node.privateKey().toString());
            properties.put(part.prefix + "trust", node.trust().toString());
        }
        return properties;
    }
}
