package io.stampede.node.config;

import io.stampede.model.NodeRole;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How this node takes part in membership, as configured under {@code stampede.membership.*}, and
 * the checks those settings must pass. Pure.
 */
public record MembershipSettings(String clusterName, String advertiseHost, String bindHost, Optional<String> key) {

    /** The shortest shared key accepted, in bytes. */
    static final int MIN_KEY_BYTES = 16;
    /** The longest membership cluster id a datagram carries, in bytes. */
    static final int MAX_CLUSTER_ID_BYTES = 64;

    public static MembershipSettings of(NodeConfig config) {
        NodeConfig.Membership membership = config.membership();
        return new MembershipSettings(membership.clusterName(), membership.advertiseHost(), membership.bindHost(),
                membership.key());
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
        return problems;
    }
}
