package io.stampede.node.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.stampede.model.NodeRole;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MembershipSettingsTest {

    private static final MembershipSettings DEFAULTS =
            new MembershipSettings("stampede", "127.0.0.1", "0.0.0.0", Optional.empty());

    @Test
    void gatesShareOneClusterAndEachDatacenterHasItsOwn() {
        assertThat(DEFAULTS.clusterId(NodeRole.GATE, Optional.empty())).isEqualTo("stampede/gates");
        assertThat(DEFAULTS.clusterId(NodeRole.MANAGER, Optional.of("dc1"))).isEqualTo("stampede/dc/dc1");
        assertThat(DEFAULTS.clusterId(NodeRole.WORKER, Optional.of("dc1"))).isEqualTo("stampede/dc/dc1");
        assertThat(DEFAULTS.problems(NodeRole.WORKER, Optional.of("dc1"))).isEmpty();
    }

    @Test
    void everyBadSettingIsNamedWithItsKey() {
        MembershipSettings bad = new MembershipSettings(" ", "", "", Optional.of("short"));

        assertThat(bad.problems(NodeRole.GATE, Optional.empty())).containsExactly(
                "stampede.membership.cluster-name: must not be blank",
                "stampede.membership.advertise-host: must name this node's host or address",
                "stampede.membership.bind-host: must name a local address (0.0.0.0 for all)",
                "stampede.membership.key: use at least 16 characters");
    }

    @Test
    void aClusterIdMustFitItsDatagramField() {
        MembershipSettings longName = new MembershipSettings("x".repeat(50), "h", "0.0.0.0", Optional.empty());

        assertThat(longName.problems(NodeRole.GATE, Optional.empty())).isEmpty();
        assertThat(longName.problems(NodeRole.MANAGER, Optional.of("datacenter-one")))
                .singleElement().asString().startsWith("stampede.membership.cluster-name:");
    }
}
