package io.stampede.model;

import java.util.Locale;
import java.util.Optional;

/** The three kinds of node in a Stampede cluster. */
public enum NodeRole {
    /** Accepts jobs from users and routes them to datacenters. */
    GATE,
    /** Leads a datacenter: splits workflows across its workers and merges their statistics. */
    MANAGER,
    /** Generates the load. */
    WORKER;

    /** The lower-case name used in configuration, node ids and output. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The role whose {@link #label()} this is (in any case), if any. */
    public static Optional<NodeRole> ofLabel(String label) {
        for (NodeRole role : values()) {
            if (role.label().equals(label.toLowerCase(Locale.ROOT))) {
                return Optional.of(role);
            }
        }
        return Optional.empty();
    }
}
