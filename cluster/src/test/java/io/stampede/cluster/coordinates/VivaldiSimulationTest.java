package io.stampede.cluster.coordinates;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * Vivaldi on seeded synthetic latency matrices: after enough probe rounds, the median relative
 * error of the estimated round trips over all pairs is at most 15 %. Each test prints its figure.
 */
class VivaldiSimulationTest {

    private static final long SEED = 20261123L;
    private static final int ROUNDS = 1_500;

    @Test
    void datacentersWithAMillisecondInsideAndTensBetween() {
        SplittableRandom random = new SplittableRandom(SEED);
        int datacenters = 5;
        int perDatacenter = 8;
        double[][] centres = new double[datacenters][];
        for (int d = 0; d < datacenters; d++) {
            double[] candidate;
            do {
                candidate = new double[] {random.nextDouble(0, 0.110), random.nextDouble(0, 0.110)};
            } while (tooClose(centres, d, candidate, 0.020));
            centres[d] = candidate;
        }
        int n = datacenters * perDatacenter;
        double[][] rtt = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                int a = i / perDatacenter;
                int b = j / perDatacenter;
                rtt[i][j] = i == j ? 0 : a == b ? 0.001
                        : Math.hypot(centres[a][0] - centres[b][0], centres[a][1] - centres[b][1]) + 0.001;
            }
        }
        double error = simulate(rtt, random);
        System.out.printf("vivaldi, %d datacenters x %d nodes, seed %d: median relative error %.1f%%%n",
                datacenters, perDatacenter, SEED, error * 100);
        assertThat(error).isLessThanOrEqualTo(0.15);
    }

    @Test
    void aLine() {
        int n = 20;
        double[][] rtt = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                rtt[i][j] = Math.abs(i - j) * 0.010;
            }
        }
        double error = simulate(rtt, new SplittableRandom(SEED));
        System.out.printf("vivaldi, a line of %d nodes 10 ms apart, seed %d: median relative error %.1f%%%n", n, SEED,
                error * 100);
        assertThat(error).isLessThanOrEqualTo(0.15);
    }

    @Test
    void aGrid() {
        int side = 5;
        int n = side * side;
        double[][] rtt = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                rtt[i][j] = Math.hypot(i / side - j / side, i % side - j % side) * 0.010;
            }
        }
        double error = simulate(rtt, new SplittableRandom(SEED));
        System.out.printf("vivaldi, a %dx%d grid 10 ms apart, seed %d: median relative error %.1f%%%n", side, side, SEED,
                error * 100);
        assertThat(error).isLessThanOrEqualTo(0.15);
    }

    @Test
    void ignoresImpossibleRoundTrips() {
        VivaldiClient client = new VivaldiClient(VivaldiConfig.serf(), new SplittableRandom(1));
        Coordinate before = client.coordinate();
        Coordinate other = Coordinate.origin(VivaldiConfig.serf());

        client.update("p", other, -1);
        client.update("p", other, Double.NaN);
        client.update("p", other, 60);
        client.update("p", new Coordinate(new double[3], 1, 0, 0), 0.01);

        assertThat(client.coordinate()).isEqualTo(before);
        assertThat(client.updates()).isZero();
    }

    /** Every round, each node probes a random other with a little jitter; returns the median relative error. */
    private static double simulate(double[][] rtt, SplittableRandom random) {
        int n = rtt.length;
        VivaldiClient[] nodes = new VivaldiClient[n];
        for (int i = 0; i < n; i++) {
            nodes[i] = new VivaldiClient(VivaldiConfig.serf(), random.split());
        }
        for (int round = 0; round < ROUNDS; round++) {
            for (int i = 0; i < n; i++) {
                int j = random.nextInt(n - 1);
                if (j >= i) {
                    j++;
                }
                double measured = rtt[i][j] * (1 + random.nextDouble(-0.02, 0.02));
                nodes[i].update("node-" + j, nodes[j].coordinate(), measured);
            }
        }
        List<Double> errors = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double estimate = nodes[i].coordinate().distanceTo(nodes[j].coordinate());
                errors.add(Math.abs(estimate - rtt[i][j]) / rtt[i][j]);
            }
        }
        double[] sorted = errors.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted[sorted.length / 2];
    }

    private static boolean tooClose(double[][] centres, int count, double[] candidate, double minimum) {
        return Arrays.stream(centres, 0, count)
                .anyMatch(centre -> Math.hypot(centre[0] - candidate[0], centre[1] - candidate[1]) < minimum);
    }
}
