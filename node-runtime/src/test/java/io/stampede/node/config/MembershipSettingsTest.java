package io.stampede.node.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.stampede.model.NodeRole;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MembershipSettingsTest {

    private static final MembershipSettings DEFAULTS =
            new MembershipSettings("stampede", "127.0.0.1", "0.0.0.0", Optional.of("a shared key, 16+"), Optional.empty());

    @Test
    void gatesShareOneClusterAndEachDatacenterHasItsOwn() {
        assertThat(DEFAULTS.clusterId(NodeRole.GATE, Optional.empty())).isEqualTo("stampede/gates");
        assertThat(DEFAULTS.clusterId(NodeRole.MANAGER, Optional.of("dc1"))).isEqualTo("stampede/dc/dc1");
        assertThat(DEFAULTS.clusterId(NodeRole.WORKER, Optional.of("dc1"))).isEqualTo("stampede/dc/dc1");
        assertThat(DEFAULTS.problems(NodeRole.WORKER, Optional.of("dc1"))).isEmpty();
    }

    @Test
    void everyBadSettingIsNamedWithItsKey() {
        MembershipSettings bad = new MembershipSettings(" ", "", "", Optional.of("short"), Optional.of("short too"));

        assertThat(bad.problems(NodeRole.GATE, Optional.empty())).containsExactly(
                "stampede.membership.cluster-name: must not be blank",
                "stampede.membership.advertise-host: must name this node's host or address",
                "stampede.membership.bind-host: must name a local address (0.0.0.0 for all)",
                "stampede.membership.key: use at least 16 characters",
                "stampede.membership.secondary-key: use at least 16 characters");
    }

    @Test
    void aClusterIdMustFitItsDatagramField() {
        MembershipSettings longName = new MembershipSettings("x".repeat(50), "h", "127.0.0.1", Optional.empty(), Optional.empty());

        assertThat(longName.problems(NodeRole.GATE, Optional.empty())).isEmpty();
        assertThat(longName.problems(NodeRole.MANAGER, Optional.of("datacenter-one")))
                .singleElement().asString().startsWith("stampede.membership.cluster-name:");
    }

    @Test
    void withoutAKeyMembershipAndRaftMayBindLoopbackOnly() {
        for (String loopback : new String[] {"127.0.0.1", "127.0.1.1", "localhost", "::1", "[::1]", "0:0:0:0:0:0:0:1",
                "::ffff:127.0.0.1"}) {
            assertThat(new MembershipSettings("stampede", "127.0.0.1", loopback, Optional.empty(), Optional.empty())
                    .problems(NodeRole.GATE, Optional.empty())).as(loopback).isEmpty();
        }
        for (String open : new String[] {"0.0.0.0", "10.0.0.7", "::", "stampede-gate-0"}) {
            assertThat(new MembershipSettings("stampede", "10.0.0.7", open, Optional.empty(), Optional.empty())
                    .problems(NodeRole.GATE, Optional.empty())).as(open).singleElement().asString()
                    .startsWith("stampede.membership.key: required when membership and Raft bind " + open);
        }
        assertThat(new MembershipSettings("stampede", "127.0.0.1", "127.0.0.1", Optional.empty(),
                Optional.of("a second key, 16+")).problems(NodeRole.GATE, Optional.empty())).containsExactly(
                "stampede.membership.secondary-key: set only with stampede.membership.key (it signs)");
    }
}
