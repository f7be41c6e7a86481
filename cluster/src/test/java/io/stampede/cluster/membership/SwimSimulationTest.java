package io.stampede.cluster.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.stampede.model.NodeRole;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The membership protocol's figures, from seeded simulations in virtual time. Each test prints
 * what it measured; docs/benchmarks.md records them. Reproduce with
 * {@code mvn -pl cluster test -Dtest=SwimSimulationTest}.
 */
class SwimSimulationTest {

    private static final SwimConfig CONFIG = SwimConfig.defaults();
    private static final long PERIOD = CONFIG.probeInterval().toMillis();

    /**
     * The bound on detection the parameters imply for n members: the crashed member is probed
     * within n − 1 periods (every member probes every other once per round), the probe fails
     * within one period, the unconfirmed suspicion runs out after the ceiling, the last check
     * takes one more period, and the DEAD claim
     * reaches everyone within its λ·⌈log10(n+1)⌉ retransmissions, one period each.
     */
    static long detectionBound(int n) {
        long dissemination = (long) CONFIG.retransmitMultiplier() * (long) Math.ceil(Math.log10(n + 1.0)) * PERIOD;
        return (n - 1) * PERIOD + PERIOD + CONFIG.suspicionCeiling().toMillis() + PERIOD + dissemination;
    }

    @Test
    void aCrashedMemberIsDeclaredDeadByAllWithinTheBoundOverAHundredSeeds() {
        int n = 50;
        long bound = detectionBound(n);
        List<Long> times = new ArrayList<>();
        for (long seed = 1; seed <= 100; seed++) {
            SimulatedCluster cluster = new SimulatedCluster(CONFIG, seed).members(n, NodeRole.MANAGER);
            assertThat(cluster.runUntil(() -> cluster.allSee(MemberState.ALIVE), 120_000))
                    .as("seed %d: the cluster converges", seed).isNotNegative();
            String victim = "m" + (1 + new SplittableRandom(seed).nextInt(n - 1));
            cluster.crash(victim);

            long took = cluster.runUntil(() -> cluster.allSee(victim, MemberState.DEAD), bound + 1_000);

            assertThat(took).as("seed %d: time until all %d others declare %s DEAD", seed, n - 1, victim)
                    .isBetween(0L, bound);
            assertThat(cluster.verdicts()).as("seed %d: only the crashed member is declared dead", seed)
                    .allMatch(verdict -> verdict.member().equals(victim));
            times.add(took);
        }
        Collections.sort(times);
        System.out.printf("SWIM detection, %d members, 100 seeds: all declare DEAD after p50 %.1f s, p99 %.1f s,"
                + " max %.1f s (bound %.1f s)%n", n, times.get(49) / 1000.0, times.get(98) / 1000.0,
                times.get(99) / 1000.0, bound / 1000.0);
    }

    @Test
    void withTenPercentLossAndASlowMemberLifeguardDeclaresNoHealthyMemberDead() {
        int[] withLifeguard = new int[2];
        int[] without = new int[2];
        for (long seed : new long[] {42, 7, 12}) {
            add(withLifeguard, falsePositives(true, seed));
            add(without, falsePositives(false, seed));
        }
        System.out.printf("SWIM accuracy, 30 members, 10%% loss, one member up to 800 ms slow, 3 seeds x 10,000 s:"
                + " healthy members declared DEAD %d times with Lifeguard, %d without;"
                + " the slow member %d times with Lifeguard, %d without%n",
                withLifeguard[0], without[0], withLifeguard[1], without[1]);

        assertThat(withLifeguard[0]).as("false DEAD verdicts about healthy members, with Lifeguard").isZero();
        assertThat(without[0]).as("plain SWIM does worse").isGreaterThan(withLifeguard[0]);
    }

    private static void add(int[] total, int[] more) {
        total[0] += more[0];
        total[1] += more[1];
    }

    /** Returns DEAD verdicts (one per observer) about healthy members, and about the slow one. */
    private static int[] falsePositives(boolean lifeguard, long seed) {
        SimulatedCluster cluster = new SimulatedCluster(CONFIG.withLifeguard(lifeguard), seed).members(30, NodeRole.MANAGER);
        cluster.runUntil(() -> cluster.allSee(MemberState.ALIVE), 120_000);
        cluster.loss(0.10);
        cluster.slow("m7", 800);
        cluster.run(10_000_000);
        int healthy = (int) cluster.verdicts().stream().filter(verdict -> !verdict.member().equals("m7")).count();
        int slow = cluster.verdicts().size() - healthy;
        return new int[] {healthy, slow};
    }

    @Test
    void coordinatesLearntFromProbesEstimateRoundTripsAcrossTwoDatacenters() {
        int n = 20;
        // Members m0..m9 in one datacenter, m10..m19 in the other. One-way delays jitter: 1–2 ms
        // inside (3 ms round trips on average), 28–32 ms between (60 ms).
        SplittableRandom jitter = new SplittableRandom(3);
        SimulatedCluster cluster = new SimulatedCluster(CONFIG, 3)
                .latency((a, b) -> side(a) == side(b) ? 1 + jitter.nextLong(2) : 28 + jitter.nextLong(5))
                .members(n, NodeRole.MANAGER);
        cluster.run(600_000);

        List<Double> errors = new ArrayList<>();
        for (String a : cluster.ids()) {
            for (String b : cluster.ids()) {
                if (!a.equals(b)) {
                    double truth = side(a) == side(b) ? 3 : 60;
                    Double estimate = cluster.swim(a).member(b).orElseThrow().estimatedRttMillis();
                    assertThat(estimate).as("%s has an estimate for %s", a, b).isNotNull();
                    errors.add(Math.abs(estimate - truth) / truth);
                }
            }
        }
        Collections.sort(errors);
        double median = errors.get(errors.size() / 2);
        System.out.printf("Vivaldi over SWIM probes, 2 datacenters x 10 members (3 ms inside, 60 ms between), 600 s:"
                + " median relative RTT error %.2f %%, p90 %.2f %%%n", 100 * median,
                100 * errors.get(errors.size() * 9 / 10));
        assertThat(median).isLessThanOrEqualTo(0.15);
    }

    private static int side(String id) {
        return Integer.parseInt(id.substring(1)) < 10 ? 0 : 1;
    }

    @Test
    void anUpdateReachesEveryMemberWithinLogarithmicPeriods() {
        StringBuilder figures = new StringBuilder();
        for (int n : new int[] {10, 50, 200}) {
            List<Double> periods = new ArrayList<>();
            for (long seed = 1; seed <= 5; seed++) {
                SimulatedCluster cluster = new SimulatedCluster(CONFIG, seed).checkSizes().members(n, NodeRole.MANAGER);
                cluster.run(30_000);
                // The update: a newcomer joins through one member; everyone must come to know it.
                cluster.add("newcomer", NodeRole.MANAGER, List.of("m" + (n / 2)));
                long took = cluster.runUntil(() -> cluster.ids().stream()
                        .allMatch(id -> id.equals("newcomer") || cluster.state(id, "newcomer") != null), 60_000);
                assertThat(took).as("n=%d seed %d: the newcomer becomes known to all", n, seed).isNotNegative();
                periods.add(took / (double) PERIOD);
            }
            double worst = Collections.max(periods);
            double log2 = Math.log(n) / Math.log(2);
            assertThat(worst).as("n=%d: periods to reach all members, against 2·log2(n)", n).isLessThanOrEqualTo(2 * log2);
            figures.append(String.format(" n=%d: mean %.1f, max %.1f periods (log2 n = %.1f);", n,
                    periods.stream().mapToDouble(Double::doubleValue).average().orElseThrow(), worst, log2));
        }
        System.out.println("SWIM dissemination, 5 seeds each:" + figures);
    }

    @Test
    void aHealedPartitionConvergesBackToOneView() {
        int n = 50;
        SimulatedCluster cluster = new SimulatedCluster(CONFIG, 9).members(n, NodeRole.MANAGER);
        cluster.runUntil(() -> cluster.allSee(MemberState.ALIVE), 120_000);
        Set<String> left = new HashSet<>();
        Set<String> right = new HashSet<>();
        IntStream.range(0, n).forEach(i -> (i % 2 == 0 ? left : right).add("m" + i));

        cluster.partition(List.of(left, right));
        long split = cluster.runUntil(() -> left.stream().allMatch(a -> right.stream()
                .allMatch(b -> cluster.state(a, b) == MemberState.DEAD && cluster.state(b, a) == MemberState.DEAD)),
                300_000);
        assertThat(split).as("each side declares the other DEAD").isNotNegative();
        assertThat(left.stream().allMatch(a -> left.stream()
                .allMatch(b -> a.equals(b) || cluster.state(a, b) == MemberState.ALIVE))).isTrue();

        cluster.heal();
        long healed = cluster.runUntil(() -> cluster.allSee(MemberState.ALIVE), 300_000);

        assertThat(healed).as("one view again after the heal").isNotNegative();
        System.out.printf("SWIM partition, %d members split 25/25: sides declared each other DEAD after %.1f s;"
                + " one view again %.1f s after the heal%n", n, split / 1000.0, healed / 1000.0);
    }
}
