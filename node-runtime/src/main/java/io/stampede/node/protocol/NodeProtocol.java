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
 * The protocol this node writes and reads records in, the capabilities it tells its peers, and the
 * protocol every node of its cluster runs at least, if it is told one ({@code stampede.protocol.minimum}):
 * what every node of that protocol speaks is used with every peer, whatever the peer tells. This build's,
 * unless {@code stampede.protocol.*} makes the node claim another (to rehearse a rolling upgrade: a
 * node of a newer MINOR, or of another MAJOR that must be refused).
 *
 * @param minimum the MINOR of its MAJOR every node of the cluster runs at least; empty: not known
 */
public record NodeProtocol(ProtocolVersion version, SortedSet<String> capabilities, Optional<ProtocolVersion> minimum) {

    public NodeProtocol {
        capabilities = Capabilities.of(capabilities);
    }

    public NodeProtocol(ProtocolVersion version, SortedSet<String> capabilities) {
        this(version, capabilities, Optional.empty());
    }

    /** This build's protocol and capabilities, with no minimum. */
    public static NodeProtocol current() {
        return new NodeProtocol(ProtocolVersion.CURRENT, Capabilities.CURRENT);
    }

    /** From the settings, which {@link #problems} has checked. */
    public static NodeProtocol of(NodeConfig.Protocol config) {
        ProtocolVersion version = config.version().map(ProtocolVersion::parse).orElse(ProtocolVersion.CURRENT);
        SortedSet<String> capabilities = new TreeSet<>(Capabilities.CURRENT);
        capabilities.addAll(config.extraCapabilities().orElse(List.of()));
        return new NodeProtocol(version, capabilities, config.minimum().map(ProtocolVersion::parse));
    }

    /**
     * What every node of the minimum protocol speaks and this node too: used with every peer,
     * whatever it tells (a peer telling less, or writing an older version, is not believed).
     */
    public SortedSet<String> guaranteed() {
        return minimum.map(Capabilities::since).map(since -> Capabilities.negotiate(capabilities, since))
                .orElse(Capabilities.of(null));
    }

    /** Every problem with the protocol settings, each as {@code key: what is wrong}. */
    public static List<String> problems(NodeConfig.Protocol config) {
        List<String> problems = new ArrayList<>();
        Optional<ProtocolVersion> version = config.version()
                .flatMap(text -> parsed("stampede.protocol.version", text, problems));
        Optional<ProtocolVersion> minimum = config.minimum()
                .flatMap(text -> parsed("stampede.protocol.minimum", text, problems));
        if (minimum.isPresent()) {
            ProtocolVersion own = version.orElse(ProtocolVersion.CURRENT);
            if (minimum.get().major() != own.major() || own.before(minimum.get())) {
                problems.add("stampede.protocol.minimum: " + minimum.get() + " must be " + own.major()
                        + ".x, no newer than this node's " + own + " (every node of the cluster runs it at least)");
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

    /** {@code text} as a protocol version, or empty with the problem added under {@code key}. */
    private static Optional<ProtocolVersion> parsed(String key, String text, List<String> problems) {
        try {
            return Optional.of(ProtocolVersion.parse(text));
        } catch (IllegalArgumentException e) {
            problems.add(key + ": " + e.getMessage());
            return Optional.empty();
        }
    }

    /** The capabilities as a list, for records. */
    public List<String> capabilityList() {
        return List.copyOf(capabilities);
    }
}
