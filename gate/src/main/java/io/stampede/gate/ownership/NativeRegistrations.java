package io.stampede.gate.ownership;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.stampede.gate.routing.RoutingDecision;

/**
 * For a native image of a gate: the ownership table's entries travel through the gates' Raft log
 * as JSON, built by Jackson outside any REST endpoint (see the node's own registrations,
 * {@code io.stampede.node.nativeimage.NativeRegistrations}).
 */
@RegisterForReflection(targets = {OwnershipState.Wire.class, Ownership.Entry.class, RoutingDecision.class},
        ignoreNested = false, registerFullHierarchy = true)
final class NativeRegistrations {

    private NativeRegistrations() {
    }
}
