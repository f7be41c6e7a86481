package io.stampede.gate.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import io.stampede.model.job.JobSpec;

/**
 * A gate routing 1,000 jobs over five datacenters whose health and latency keep changing (seeded):
 * no job goes to an UNHEALTHY datacenter or to a worse bucket than the best usable one, and the
 * choice changes, unless forced, at most once per hold (30 s). Prints the figures.
 */
class RoutingSimulationTest {

    private static final int JOBS = 1_000;
    private static final int DATACENTERS = 5;

    @Test
    void aThousandJobsNeverGoToAnUnhealthyDatacenterAndDoNotFlap() {
        SplittableRandom random = new SplittableRandom(2026);
        Router router = new Router();
        double[] rtt = {20, 45, 80, 120, 60};
        Bucket[] bucket = new Bucket[DATACENTERS];
        java.util.Arrays.fill(bucket, Bucket.HEALTHY);
        Map<String, Integer> jobsPer = new TreeMap<>();
        Map<RoutingDecision.Rule, Integer> rules = new EnumMap<>(RoutingDecision.Rule.class);
        List<Long> unforcedSwitchTimes = new ArrayList<>();
        String previous = null;
        long now = 0;
        int switches = 0;
        int forced = 0;
        int refused = 0;
        int waited = 0;
        for (int job = 0; job < JOBS; job++) {
            now += 1_000 + random.nextInt(4_000); // a job every 1-5 s
            for (int i = 0; i < DATACENTERS; i++) {
                rtt[i] = Math.max(1, rtt[i] * (0.9 + 0.2 * random.nextDouble())); // latency drifts
                double roll = random.nextDouble();
                if (roll < 0.01) {
                    bucket[i] = Bucket.UNHEALTHY;
                } else if (roll < 0.02) {
                    bucket[i] = Bucket.DEGRADED;
                } else if (roll < 0.04) {
                    bucket[i] = Bucket.BUSY;
                } else if (roll < 0.10) {
                    bucket[i] = Bucket.HEALTHY; // recovers
                }
            }
            List<Datacenters.View> known = new ArrayList<>();
            for (int i = 0; i < DATACENTERS; i++) {
                known.add(RouterTest.dc("dc" + (i + 1), rtt[i], RouterTest.bucket(bucket[i], bucket[i].name())));
            }
            DatacenterRouter.Route route = router.route(new JobSpec.Count(1), JobSpec.Placement.DEFAULT, known, now);
            RoutingDecision decision = route.decision();
            rules.merge(decision.rule(), 1, Integer::sum);
            if (route instanceof DatacenterRouter.Refused) {
                refused++;
                assertThat(known).allMatch(view -> view.bucket() == Bucket.UNHEALTHY);
                continue;
            }
            String chosen = decision.chosen().get(0);
            Datacenters.View view = known.stream().filter(dc -> dc.name().equals(chosen)).findFirst().orElseThrow();
            Bucket best = known.stream().map(Datacenters.View::bucket).filter(Bucket::usable).min(Enum::compareTo)
                    .orElseThrow();
            assertThat(view.bucket()).as("job %d at %d ms: %s", job, now, decision.reason()).isNotEqualTo(Bucket.UNHEALTHY);
            jobsPer.merge(chosen, 1, Integer::sum);
            if (decision.rule() == RoutingDecision.Rule.WAITS) {
                // A BUSY nearest datacenter waited for (the detour was over 100 ms): a choice for
                // this job alone, outside the hold; the next job is routed as before.
                assertThat(view.bucket()).isEqualTo(Bucket.BUSY);
                waited++;
                continue;
            }
            assertThat(view.bucket()).as("job %d at %d ms: %s", job, now, decision.reason()).isEqualTo(best);
            if (previous != null && !previous.equals(chosen)) {
                switches++;
                if (decision.rule() == RoutingDecision.Rule.FORCED) {
                    forced++;
                } else {
                    unforcedSwitchTimes.add(now);
                }
            }
            previous = chosen;
        }
        long shortestGap = Long.MAX_VALUE;
        for (int i = 1; i < unforcedSwitchTimes.size(); i++) {
            shortestGap = Math.min(shortestGap, unforcedSwitchTimes.get(i) - unforcedSwitchTimes.get(i - 1));
        }
        System.out.printf("Routing simulation: %d jobs over %d datacenters in %d s; jobs per datacenter %s;"
                + " rules %s; %d switches (%d forced by health, %d by score); shortest time between switches by score"
                + " %s; refused %d; waited for a BUSY nearest datacenter %d%n", JOBS, DATACENTERS, now / 1000, jobsPer,
                rules, switches, forced, unforcedSwitchTimes.size(),
                shortestGap == Long.MAX_VALUE ? "-" : shortestGap / 1000 + " s", refused, waited);
        assertThat(shortestGap).as("unforced switches are at least one hold apart")
                .isGreaterThanOrEqualTo(Router.HOLD.toMillis());
        assertThat(rules.getOrDefault(RoutingDecision.Rule.HELD, 0)).as("the hold did hold choices")
                .isGreaterThan(0);
        assertThat(unforcedSwitchTimes).as("scores did move the choice").isNotEmpty();
    }
}
