package io.stampede.node.membership;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.stampede.cluster.membership.MemberState;
import io.stampede.cluster.transport.DropReason;
import io.stampede.cluster.transport.UdpMembership;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.Locale;

/**
 * Membership as metrics: members by state as this node sees them, its local health and
 * incarnation, and datagrams received, sent and dropped by reason.
 */
@Singleton
public class MembershipMetrics {

    void register(@Observes StartupEvent event, NodeMembership node, MeterRegistry registry) {
        UdpMembership membership = node.membership();
        for (MemberState state : MemberState.values()) {
            Gauge.builder("stampede.membership.members",
                    () -> membership.members().stream().filter(member -> member.state() == state).count())
                    .tag("state", state.name().toLowerCase(Locale.ROOT))
                    .description("Members of this node's membership cluster by state, this node included")
                    .register(registry);
        }
        Gauge.builder("stampede.membership.local.health", membership::localHealth)
                .description("Lifeguard's local health score, 0 (healthy) to 8; it stretches probe periods")
                .register(registry);
        Gauge.builder("stampede.membership.incarnation", membership::incarnation)
                .description("This node's incarnation; it rises each time the node refutes a suspicion of itself")
                .register(registry);
        FunctionCounter.builder("stampede.membership.datagrams", membership, UdpMembership::received)
                .tag("direction", "received").description("Membership datagrams").register(registry);
        FunctionCounter.builder("stampede.membership.datagrams", membership, UdpMembership::sent)
                .tag("direction", "sent").description("Membership datagrams").register(registry);
        for (DropReason reason : DropReason.values()) {
            FunctionCounter.builder("stampede.membership.datagrams.dropped", membership, m -> m.dropped(reason))
                    .tag("reason", reason.label())
                    .description("Membership datagrams dropped unread, by reason").register(registry);
        }
    }
}
