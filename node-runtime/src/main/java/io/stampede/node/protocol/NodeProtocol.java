package io.stampede.node.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

import io.stampede.model.wire.Capabilities;
import io.stampede.model.wire.ProtocolVersion;
import io.stampede.node.config.NodeConfig;

/**
 * The protocol this node writes and reads records in, and the capabilities it tells its peers.
 * This build's, unless {@code stampede.protocol.*} makes the node claim another (to rehearse a
 * rolling upgrade: a node of a newer MINOR, or of another MAJOR that must be refused).
 */
public record NodeProtocol(ProtocolVersion version, SortedSet<String> capabilities) {

    public NodeProtocol {
        capabilities = Capabilities.of(capabilities);
    }

    /** This build's protocol and capabilities. */
    public static NodeProtocol current() {
        return new NodeProtocol(ProtocolVersion.CURRENT, Capabilities.CURRENT);
    }

    /** From the settings, which {@link #problems} has checked. */
    public static NodeProtocol of(NodeConfig.Protocol config) {
        ProtocolVersion version = config.version().map(ProtocolVersion::parse).orElse(ProtocolVersion.CURRENT);
        SortedSet<String> capabilities = new TreeSet<>(Capabilities.CURRENT);
        capabilities.addAll(config.extraCapabilities().orElse(List.of()));
        return new NodeProtocol(version, capabilities);
    }

    /** Every problem with the protocol settings, each as {@code key: what is wrong}. */
    public static List<String> problems(NodeConfig.Protocol config) {
        List<String> problems = new ArrayList<>();
        Optional<String> version = config.version();
        if (version.isPresent()) {
            try {
                ProtocolVersion.parse(version.get());
            } catch (IllegalArgumentException e) {
                problems.add("stampede.protocol.version: " + e.getMessage());
            }
        }
        for (String name : config.extraCapabilities().orElse(List.of())) {
            if (!Capabilities.wellFormed(name)) {
                problems.add("stampede.protocol.extra-capabilities: '" + name + "' is not a capability name: use up to "
                        + Capabilities.MAX_NAME + " lower-case letters, digits, '.' and '-'");
            }
        }
        return problems;
    }

    /** The capabilities as a list, for records. */
    public List<String> capabilityList() {
        return List.copyOf(capabilities);
    }
}
