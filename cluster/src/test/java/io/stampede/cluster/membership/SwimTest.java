package io.stampede.cluster.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.stampede.model.NodeRole;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The protocol's behaviours, one story each, on a small simulated cluster. */
class SwimTest {

    private final SwimConfig config = SwimConfig.defaults();

    @Test
    void membersJoiningThroughOneSeedAllConfirmEachOther() {
        SimulatedCluster cluster = new SimulatedCluster(config, 1).members(5, NodeRole.MANAGER);

        long took = cluster.runUntil(() -> cluster.allSee(MemberState.ALIVE), 60_000);

        assertThat(took).as("time for five members to confirm each other").isBetween(0L, 30_000L);
    }

    @Test
    void aCrashedMemberIsSuspectedThenDeclaredDeadByEveryone() {
        SimulatedCluster cluster = new SimulatedCluster(config, 2).members(5, NodeRole.MANAGER);
        cluster.runUntil(() -> cluster.allSee(MemberState.ALIVE), 60_000);

        cluster.crash("m3");
        long took = cluster.runUntil(() -> cluster.allSee("m3", MemberState.DEAD), 60_000);

        assertThat(took).isBetween(Suspicion.FLOOR.toMillis(), 16_000L);
        assertThat(cluster.swim("m0").stats().suspicions()).isPositive();
    }

    @Test
    void aRestartedMemberRefutesItsDeathWithAHigherIncarnation() {
        SimulatedCluster cluster = new SimulatedCluster(config, 3).members(4, NodeRole.MANAGER);
        cluster.runUntil(() -> cluster.allSee(MemberState.ALIVE), 60_000);
        cluster.crash("m2");
        cluster.runUntil(() -> cluster.allSee("m2", MemberState.DEAD), 60_000);
        long deadAt = cluster.swim("m0").member("m2").orElseThrow().incarnation();

        cluster.restart("m2", List.of("m0"));
        long took = cluster.runUntil(() -> cluster.allSee(MemberState.ALIVE), 30_000);

        assertThat(took).isNotNegative();
        assertThat(cluster.swim("m2").incarnation()).isGreaterThan(deadAt);
        assertThat(cluster.swim("m1").member("m2").orElseThrow().incarnation()).isGreaterThan(deadAt);
    }

    @Test
    void aSuspectedMemberThatIsAliveRefutesAndStaysAlive() {
        SimulatedCluster cluster = new SimulatedCluster(config, 4).members(4, NodeRole.MANAGER);
        cluster.runUntil(() -> cluster.allSee(MemberState.ALIVE), 60_000);
        // Cut m1 off for a few periods: long enough to be suspected, not long enough to die.
        cluster.partition(List.of(Set.of("m1"), Set.of("m0", "m2", "m3")));
        cluster.runUntil(() -> cluster.state("m0", "m1") == MemberState.SUSPECT
                || cluster.state("m2", "m1") == MemberState.SUSPECT
                || cluster.state("m3", "m1") == MemberState.SUSPECT, 20_000);
        cluster.heal();

        cluster.run(30_000);

        assertThat(cluster.allSee(MemberState.ALIVE)).isTrue();
        assertThat(cluster.swim("m1").incarnation()).isPositive();
        assertThat(cluster.swim("m1").stats().refutations()).isPositive();
        assertThat(cluster.verdicts()).isEmpty();
    }

    @Test
    void aMemberThatLeavesIsMarkedLeftNotDead() {
        SimulatedCluster cluster = new SimulatedCluster(config, 5).members(4, NodeRole.MANAGER);
        cluster.runUntil(() -> cluster.allSee(MemberState.ALIVE), 60_000);

        cluster.leave("m3");
        cluster.crash("m3");
        long took = cluster.runUntil(() -> cluster.allSee("m3", MemberState.LEFT), 5_000);

        assertThat(took).isBetween(0L, 1_000L);
        cluster.run(30_000);
        assertThat(cluster.allSee("m3", MemberState.LEFT)).isTrue();
        assertThat(cluster.verdicts()).isEmpty();
    }

    @Test
    void aSeedThatLeftAndCameBackKnowingNobodyIsFoundAgainByTheMembersThatJoinedThroughIt() {
        SimulatedCluster cluster = new SimulatedCluster(config, 8).members(4, NodeRole.MANAGER);
        cluster.runUntil(() -> cluster.allSee(MemberState.ALIVE), 60_000);
        cluster.leave("m0");
        cluster.crash("m0");
        cluster.runUntil(() -> cluster.allSee("m0", MemberState.LEFT), 5_000);

        cluster.restart("m0", List.of());
        long took = cluster.runUntil(() -> cluster.allSee(MemberState.ALIVE), 60_000);

        assertThat(took).as("found again within two anti-entropy rounds").isBetween(0L,
                2 * config.syncInterval().toMillis());
    }

    @Test
    void anUnconfirmedMemberIsNeverSuspectedAndIsRemovedAfterItsRolesTimeout() {
        SimulatedCluster cluster = new SimulatedCluster(config, 6).members(3, NodeRole.MANAGER);
        cluster.runUntil(() -> cluster.allSee(MemberState.ALIVE), 60_000);
        // A worker that can reach m0 only: the others hear of it second-hand, from m0.
        cluster.partition(List.of(Set.of("w"), Set.of("m1", "m2")));
        cluster.add("w", NodeRole.WORKER, List.of("m0"));
        cluster.runUntil(() -> cluster.state("m1", "w") != null && cluster.state("m2", "w") != null, 10_000);

        assertThat(cluster.state("m1", "w")).isEqualTo(MemberState.UNCONFIRMED);
        long took = cluster.runUntil(() -> cluster.state("m1", "w") == null, 200_000);

        assertThat(took).isBetween(SwimConfig.unconfirmedTimeout(NodeRole.WORKER).toMillis() - 11_000,
                SwimConfig.unconfirmedTimeout(NodeRole.WORKER).toMillis() + 1_000);
        assertThat(cluster.verdicts()).noneMatch(v -> v.observer().equals("m1") || v.observer().equals("m2"));
    }

    @Test
    void deadMembersAreReapedAfterTheRetention() {
        SwimConfig shortRetention = new SwimConfig(config.probeInterval(), config.probeTimeout(),
                config.indirectChecks(), config.retransmitMultiplier(), config.suspicionFloor(),
                config.suspicionCeiling(), config.syncInterval(), Duration.ofSeconds(60), true, 1400);
        SimulatedCluster cluster = new SimulatedCluster(shortRetention, 7).members(3, NodeRole.MANAGER);
        cluster.runUntil(() -> cluster.allSee(MemberState.ALIVE), 60_000);
        cluster.crash("m2");
        cluster.runUntil(() -> cluster.allSee("m2", MemberState.DEAD), 60_000);

        long took = cluster.runUntil(() -> cluster.state("m0", "m2") == null && cluster.state("m1", "m2") == null,
                120_000);

        assertThat(took).isBetween(40_000L, 61_000L);
    }
}
