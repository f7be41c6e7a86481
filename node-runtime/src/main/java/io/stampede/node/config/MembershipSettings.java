package io.stampede.node.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.stampede.cluster.net.HostPort;
import io.stampede.model.NodeRole;

/**
 * How this node takes part in membership, as configured under {@code stampede.membership.*}, and
 * the checks those settings must pass. Pure.
 */
public record MembershipSettings(String clusterName, String advertiseHost, String bindHost, Optional<String> key,
        Optional<String> secondaryKey) {

    /** Whether {@code host} is a loopback address (an address literal, in any form, or {@code localhost}); never resolves. */
    static boolean loopback(String host) {
        String trimmed = host.strip();
        String literal = trimmed.startsWith("[") && trimmed.endsWith("]") ? trimmed.substring(1, trimmed.length() - 1)
                : trimmed;
        if (!HostPort.isAddressLiteral(literal)) {
            return trimmed.equals("localhost");
        }
        try {
            // A literal is parsed, never looked up.
            return InetAddress.getByName(literal).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** The shortest shared key accepted, in bytes. */
    static final int MIN_KEY_BYTES = 16;
    /** The longest membership cluster id a datagram carries, in bytes. */
    static final int MAX_CLUSTER_ID_BYTES = 64;

    public static MembershipSettings of(NodeConfig config) {
        NodeConfig.Membership membership = config.membership();
        return new MembershipSettings(membership.clusterName(), membership.advertiseHost(), membership.bindHost(),
                membership.key(), membership.secondaryKey());
    }

    /**
     * The membership cluster a node joins: the gates share one, and each datacenter's managers and
     * workers share another.
     */
    public String clusterId(NodeRole role, Optional<String> datacenter) {
        return role == NodeRole.GATE ? clusterName + "/gates" : clusterName + "/dc/" + datacenter.orElse("");
    }

    /** Every problem with these settings, each as {@code key: what is wrong}. */
    public List<String> problems(NodeRole role, Optional<String> datacenter) {
        List<String> problems = new ArrayList<>();
        if (clusterName.isBlank()) {
            problems.add("stampede.membership.cluster-name: must not be blank");
        } else if (clusterId(role, datacenter).getBytes(StandardCharsets.UTF_8).length > MAX_CLUSTER_ID_BYTES) {
            problems.add("stampede.membership.cluster-name: '" + clusterName + "' is too long (with the datacenter,"
                    + " at most " + MAX_CLUSTER_ID_BYTES + " bytes)");
        }
        if (advertiseHost.isBlank()) {
            problems.add("stampede.membership.advertise-host: must name this node's host or address");
        }
        if (bindHost.isBlank()) {
            problems.add("stampede.membership.bind-host: must name a local address (0.0.0.0 for all)");
        }
        key.filter(value -> value.getBytes(StandardCharsets.UTF_8).length < MIN_KEY_BYTES).ifPresent(value ->
                problems.add("stampede.membership.key: use at least " + MIN_KEY_BYTES + " characters"));
        secondaryKey.filter(value -> value.getBytes(StandardCharsets.UTF_8).length < MIN_KEY_BYTES).ifPresent(value ->
                problems.add("stampede.membership.secondary-key: use at least " + MIN_KEY_BYTES + " characters"));
        if (secondaryKey.isPresent() && key.isEmpty()) {
            problems.add("stampede.membership.secondary-key: set only with stampede.membership.key (it signs)");
        }
        if (key.isEmpty() && !bindHost.isBlank() && !loopback(bindHost)) {
            problems.add("stampede.membership.key: required when membership and Raft bind " + bindHost
                    + " (not a loopback address): anyone who can reach the port could forge membership. Set a shared"
                    + " key of " + MIN_KEY_BYTES + " characters or more on every node (docs/security.md), or bind"
                    + " 127.0.0.1 for a cluster on one machine");
        }
        return problems;
    }
}
