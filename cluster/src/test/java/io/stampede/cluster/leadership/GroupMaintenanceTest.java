package io.stampede.cluster.leadership;

import static org.assertj.core.api.Assertions.assertThat;

import io.stampede.cluster.leadership.GroupMaintenance.Add;
import io.stampede.cluster.leadership.GroupMaintenance.Remove;
import io.stampede.cluster.leadership.GroupMaintenance.StateSince;
import io.stampede.cluster.membership.MemberState;
import io.stampede.cluster.net.HostPort;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GroupMaintenanceTest {

    private static final Map<String, HostPort> FOUNDERS = Map.of(
            "m1", new HostPort("h1", 1), "m2", new HostPort("h2", 2), "m3", new HostPort("h3", 3));

    @Test
    void aMemberDeadLongerThanTheGraceLeavesTheGroupButNotBefore() {
        Map<String, StateSince> states = Map.of("m1", new StateSince(MemberState.ALIVE, 0),
                "m2", new StateSince(MemberState.DEAD, 1_000), "m3", new StateSince(MemberState.SUSPECT, 0));

        assertThat(GroupMaintenance.due("m1", Set.of("m1", "m2", "m3"), FOUNDERS, states, 60_999, 60_000)).isEmpty();
        assertThat(GroupMaintenance.due("m1", Set.of("m1", "m2", "m3"), FOUNDERS, states, 61_000, 60_000))
                .containsExactly(new Remove("m2"));
    }

    @Test
    void aMemberThatLeftIsRemovedAndTheLeaderNeverRemovesItself() {
        Map<String, StateSince> states = Map.of("m1", new StateSince(MemberState.LEFT, 0),
                "m2", new StateSince(MemberState.LEFT, 0));

        assertThat(GroupMaintenance.due("m1", Set.of("m1", "m2"), FOUNDERS, states, 100_000, 60_000))
                .containsExactly(new Remove("m2"));
    }

    @Test
    void aFounderAliveAgainRejoinsButAnUnconfirmedOrUnknownOneDoesNot() {
        Map<String, StateSince> states = Map.of("m2", new StateSince(MemberState.ALIVE, 5),
                "m3", new StateSince(MemberState.UNCONFIRMED, 5), "stranger", new StateSince(MemberState.ALIVE, 5));

        assertThat(GroupMaintenance.due("m1", Set.of("m1"), FOUNDERS, states, 10, 60_000))
                .containsExactly(new Add("m2", new HostPort("h2", 2)));
    }
}
