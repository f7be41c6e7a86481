package io.stampede.node.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.stampede.cluster.net.HostPort;

class LeadershipSettingsTest {

    private final LeadershipSettings statefulSet = new LeadershipSettings(List.of(
            "gate-0@gate-0.gate-headless:9000", "gate-1@gate-1.gate-headless:9000", "gate-2@gate-2.gate-headless:9000"),
            Optional.of("/var/lib/stampede/raft"));

    @Test
    void aMemberNamedInTheListIsReachedWhereTheListSaysAndBindsTheMembershipBindHost() {
        HostPort own = statefulSet.own("gate-1").orElseThrow();

        assertThat(own).isEqualTo(new HostPort("gate-1.gate-headless", 9000));
        assertThat(statefulSet.peersExcept("gate-1")).containsOnlyKeys("gate-0", "gate-2");
        assertThat(LeadershipSettings.raftBindHost(own, "0.0.0.0")).as("a DNS name may not resolve to itself yet")
                .isEqualTo("0.0.0.0");
        assertThat(statefulSet.own("gate-7")).as("not a founder: reached at its advertise host").isEmpty();
    }

    @Test
    void whileMembershipBindsLoopbackSoDoesRaftWhereverTheMemberIsSaidToBeReached() {
        assertThat(LeadershipSettings.raftBindHost(new HostPort("10.0.0.7", 9000), "127.0.0.1")).isEqualTo("127.0.0.1");
        assertThat(LeadershipSettings.raftBindHost(new HostPort("gate-1.gate-headless", 9000), "localhost"))
                .isEqualTo("localhost");
        assertThat(LeadershipSettings.raftBindHost(new HostPort("10.0.0.7", 9000), "0.0.0.0")).isEqualTo("10.0.0.7");
    }

    @Test
    void aLocalClusterMemberBindsTheAddressItIsReachedAt() {
        assertThat(LeadershipSettings.raftBindHost(new HostPort("127.0.0.1", 9001), "0.0.0.0")).isEqualTo("127.0.0.1");
        assertThat(LeadershipSettings.raftBindHost(new HostPort("127.0.0.1", 9001), "127.0.0.1")).isEqualTo("127.0.0.1");
        assertThat(statefulSet.problems()).isEmpty();
        assertThat(new LeadershipSettings(List.of("gate-0"), Optional.of(" ")).problems()).containsExactly(
                "stampede.leadership.peers: 'gate-0' is not id@host:port",
                "stampede.leadership.storage: must name a directory");
    }
}
