package io.stampede.gate.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.RecordComponent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.stampede.gate.routing.RoutingDecision.Rule;
import io.stampede.model.job.JobSpec;
import io.stampede.model.load.Backpressure;
import io.stampede.model.load.LoadState;

/**
 * The routing pipeline as a table: each case routes one or more jobs (a history, at given times)
 * and states where the last one goes and by which rule.
 */
class RouterTest {

    /** One job to route at {@code atSeconds}, against these datacenters. */
    record Step(long atSeconds, JobSpec.Datacenters wanted, JobSpec.Placement placement, List<Datacenters.View> known) {
    }

    record Case(String name, List<Step> steps, List<String> chosen, Rule rule, String reasonHas, List<String> fallback) {
        @Override
        public String toString() {
            return name;
        }
    }

    static final JobSpec.Datacenters ONE = new JobSpec.Count(1);
    static final JobSpec.Placement LATENCY = JobSpec.Placement.DEFAULT;

    /** A READY, HEALTHY datacenter with 4 of 4 cores free, 20 probe samples and an RTT bound of {@code rtt} ms. */
    static Datacenters.View dc(String name, double rtt, UnaryOperator<Datacenters.View>... changes) {
        Datacenters.View view = new Datacenters.View(name, true, Registration.READY, Bucket.HEALTHY, "",
                Reachability.REACHABLE, "manager-" + name, "manager-" + name, 1, 1, 1, 2, 2, 4, 4, 0,
                LoadState.HEALTHY, Backpressure.NONE, Instant.EPOCH, rtt, rtt, 1.0, 20, 0, 0, 0, rtt, null, null, -1);
        for (UnaryOperator<Datacenters.View> change : changes) {
            view = change.apply(view);
        }
        return view;
    }

    /** The view with some of its components changed, by name. */
    static Datacenters.View with(Datacenters.View view, Map<String, Object> changes) {
        try {
            RecordComponent[] parts = Datacenters.View.class.getRecordComponents();
            Object[] values = new Object[parts.length];
            Class<?>[] types = new Class<?>[parts.length];
            for (int i = 0; i < parts.length; i++) {
                types[i] = parts[i].getType();
                values[i] = changes.containsKey(parts[i].getName()) ? changes.get(parts[i].getName())
                        : parts[i].getAccessor().invoke(view);
            }
            return Datacenters.View.class.getDeclaredConstructor(types).newInstance(values);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    static UnaryOperator<Datacenters.View> bucket(Bucket bucket, String why) {
        return v -> with(v, Map.of("bucket", bucket, "why", why, "healthy", bucket.usable(),
                "freeCores", bucket == Bucket.BUSY ? 0 : v.freeCores()));
    }

    static UnaryOperator<Datacenters.View> registration(Registration registration) {
        return v -> with(v, Map.of("registration", registration, "healthy", registration == Registration.READY));
    }

    /** Free cores and running jobs. */
    static UnaryOperator<Datacenters.View> capacity(int freeCores, int activeJobs) {
        return v -> with(v, Map.of("freeCores", freeCores, "activeJobs", activeJobs));
    }

    /** Latency samples: probes and dispatches. */
    static UnaryOperator<Datacenters.View> samples(int probes) {
        return v -> with(v, Map.of("rttSamples", probes));
    }

    /** The quickest datacenter's observed dispatch-to-first-progress in these cases. */
    static final double QUICKEST_OBSERVED = 400;

    /** Dispatch-to-first-progress, observed with this confidence (the quickest: {@link #QUICKEST_OBSERVED}). */
    static UnaryOperator<Datacenters.View> observed(double millis, double confidence) {
        return v -> with(v, Map.of("observedMillis", millis, "observedConfidence", confidence, "observedSamples", 10,
                "blendedMillis", DispatchLatency.blend(v.rttUpperBoundMillis(), millis, confidence, QUICKEST_OBSERVED)));
    }

    /** How long until a core frees, as the datacenter's manager estimates. */
    static UnaryOperator<Datacenters.View> coresFreeIn(long millis) {
        return v -> with(v, Map.of("coresFreeInMillis", millis));
    }

    static UnaryOperator<Datacenters.View> coolingDown() {
        return v -> with(v, Map.of("cooldownUntil", Instant.ofEpochSecond(999)));
    }

    /** The bucket and why that the health rules give for these inputs. */
    static UnaryOperator<Datacenters.View> rules(HealthRules.Inputs inputs) {
        HealthRules.Verdict verdict = HealthRules.bucket(inputs);
        return bucket(verdict.bucket(), verdict.why());
    }

    static Step at(long seconds, Datacenters.View... known) {
        return new Step(seconds, ONE, LATENCY, Arrays.asList(known));
    }

    static Step at(long seconds, JobSpec.Datacenters wanted, JobSpec.Placement placement, Datacenters.View... known) {
        return new Step(seconds, wanted, placement, Arrays.asList(known));
    }

    static JobSpec.Placement prefer(String... names) {
        return new JobSpec.Placement(JobSpec.Strategy.LATENCY, List.of(names));
    }

    static Case when(String name, List<Step> steps, List<String> chosen, Rule rule, String reasonHas) {
        return new Case(name, steps, chosen, rule, reasonHas, null);
    }

    static Stream<Case> cases() {
        List<Case> cases = new ArrayList<>();
        // ---- bootstrap and capacity
        cases.add(when("a lone healthy datacenter with few samples is chosen by capacity",
                List.of(at(0, dc("dc1", 10, samples(3)))), List.of("dc1"), Rule.BOOTSTRAP, "fewer than 10 latency samples"));
        cases.add(when("bootstrap ranks by free cores, not latency",
                List.of(at(0, dc("dc1", 5, samples(3), capacity(1, 0)), dc("dc2", 90, samples(3), capacity(4, 0)))),
                List.of("dc2"), Rule.BOOTSTRAP, "ranked by free cores"));
        cases.add(when("bootstrap breaks a tie in free cores by running jobs",
                List.of(at(0, dc("dc1", 5, samples(3), capacity(4, 3)), dc("dc2", 90, samples(3), capacity(4, 1)))),
                List.of("dc2"), Rule.BOOTSTRAP, "then running jobs"));
        cases.add(when("bootstrap breaks a full tie by preference",
                List.of(at(0, ONE, prefer("dc2"), dc("dc1", 5, samples(3)), dc("dc2", 90, samples(3)))),
                List.of("dc2"), Rule.BOOTSTRAP, ""));
        cases.add(when("bootstrap applies while any datacenter of the best bucket has too few samples",
                List.of(at(0, dc("dc1", 5), dc("dc2", 90, samples(9), capacity(3, 0)), dc("dc3", 5, capacity(2, 0)))),
                List.of("dc1"), Rule.BOOTSTRAP, ""));
        cases.add(when("placement capacity ranks by free cores even with samples",
                List.of(at(0, ONE, new JobSpec.Placement(JobSpec.Strategy.CAPACITY, List.of()),
                        dc("dc1", 5, capacity(1, 0)), dc("dc2", 90, capacity(3, 0)))),
                List.of("dc2"), Rule.CAPACITY, "free cores"));
        // ---- score
        cases.add(when("with enough samples the lowest score wins",
                List.of(at(0, dc("dc1", 50), dc("dc2", 10))), List.of("dc2"), Rule.BEST_SCORE, "lowest score"));
        cases.add(when("running jobs raise the score",
                List.of(at(0, dc("dc1", 10, capacity(4, 30)), dc("dc2", 11))), List.of("dc2"), Rule.BEST_SCORE, ""));
        cases.add(when("a poorly known round trip raises the score (quality factor)",
                List.of(at(0, dc("dc1", 10, v -> withQuality(v, 0)), dc("dc2", 12))), List.of("dc2"), Rule.BEST_SCORE, ""));
        cases.add(when("a datacenter slower to start jobs than the quickest pays the difference",
                List.of(at(0, dc("dc1", 10, observed(1_500, 1.0)), dc("dc2", 50, observed(400, 1.0)))),
                List.of("dc2"), Rule.BEST_SCORE, ""));
        cases.add(when("the difference counts by the observations' confidence",
                List.of(at(0, dc("dc1", 10, observed(1_500, 0.3)), dc("dc2", 50, observed(400, 1.0)))),
                List.of("dc1"), Rule.BEST_SCORE, ""));
        cases.add(when("under a second slower to start jobs is the progress period's noise, not a difference",
                List.of(at(0, dc("dc1", 10, observed(1_300, 1.0)), dc("dc2", 50, observed(400, 1.0)))),
                List.of("dc1"), Rule.BEST_SCORE, ""));
        cases.add(when("a datacenter used often is not farther than one never used for the time all share",
                List.of(at(0, dc("dc1", 10, observed(400, 1.0)), dc("dc2", 50))), List.of("dc1"), Rule.BEST_SCORE, ""));
        cases.add(when("a preferred datacenter scores ×0.9",
                List.of(at(0, ONE, prefer("dc2"), dc("dc1", 100), dc("dc2", 105))), List.of("dc2"), Rule.BEST_SCORE, ""));
        cases.add(when("×0.9 does not make up for a much worse score",
                List.of(at(0, ONE, prefer("dc2"), dc("dc1", 100), dc("dc2", 120))), List.of("dc1"), Rule.BEST_SCORE, ""));
        cases.add(when("cooling down after a failed dispatch doubles the score",
                List.of(at(0, dc("dc1", 10, coolingDown()), dc("dc2", 15))), List.of("dc2"), Rule.BEST_SCORE, ""));
        cases.add(when("a datacenter cooling down is still chosen when the others are far worse",
                List.of(at(0, dc("dc1", 10, coolingDown()), dc("dc2", 30))), List.of("dc1"), Rule.BEST_SCORE, ""));
        // ---- spillover
        cases.add(when("a job whose nearest datacenter has no free core spills over, and the decision says so",
                List.of(at(0, dc("dc1", 5, bucket(Bucket.BUSY, "no core is free")), dc("dc2", 60))),
                List.of("dc2"), Rule.BEST_SCORE, "spilled over from dc1 (no core is free there), 55.0 ms farther"));
        cases.add(when("a BUSY nearest datacenter whose core frees within 60 s is waited for",
                List.of(at(0, dc("dc1", 5, bucket(Bucket.BUSY, "no core is free"), coresFreeIn(20_000)), dc("dc2", 60))),
                List.of("dc1"), Rule.WAITS, "the job waits there (QUEUED), since a core should free in about 20 s"));
        cases.add(when("a BUSY nearest datacenter is waited for when the next with free cores is over 100 ms farther",
                List.of(at(0, dc("dc1", 5, bucket(Bucket.BUSY, "no core is free")), dc("dc2", 150))),
                List.of("dc1"), Rule.WAITS, "dc2, the best choice with free cores, is 145.0 ms farther"));
        cases.add(when("a job that wants two datacenters is not held back for a BUSY one (it would get no share)",
                List.of(at(0, new JobSpec.Count(2), LATENCY, dc("dc1", 5, bucket(Bucket.BUSY, "no core is free"),
                        coresFreeIn(1_000)), dc("dc2", 60), dc("dc3", 70))),
                List.of("dc2", "dc3"), Rule.BEST_SCORE, "spilled over from dc1"));
        cases.add(when("a BUSY nearest datacenter whose cores stay taken past 60 s is spilled from within 100 ms",
                List.of(at(0, dc("dc1", 5, bucket(Bucket.BUSY, "no core is free"), coresFreeIn(90_000)), dc("dc2", 60))),
                List.of("dc2"), Rule.BEST_SCORE, "spilled over from dc1 (no core is free there for about 90 s), 55.0 ms"));
        cases.add(when("placement capacity never waits for a BUSY datacenter",
                List.of(at(0, ONE, new JobSpec.Placement(JobSpec.Strategy.CAPACITY, List.of()),
                        dc("dc1", 5, bucket(Bucket.BUSY, "no core is free"), coresFreeIn(1_000)), dc("dc2", 60))),
                List.of("dc2"), Rule.CAPACITY, ""));
        cases.add(when("no spill is recorded when the nearest is chosen",
                List.of(at(0, dc("dc1", 5), dc("dc2", 60, bucket(Bucket.BUSY, "no core is free")))),
                List.of("dc1"), Rule.BEST_SCORE, "lowest score in the best bucket (HEALTHY)"));
        cases.add(when("no spill when the nearest is passed over for another reason than cores (DEGRADED)",
                List.of(at(0, dc("dc1", 5, bucket(Bucket.DEGRADED, "its health is stale")), dc("dc2", 60))),
                List.of("dc2"), Rule.BEST_SCORE, "(HEALTHY)"));
        // ---- buckets and filters
        cases.add(when("a better bucket wins over lower latency: HEALTHY over BUSY",
                List.of(at(0, dc("dc1", 5, bucket(Bucket.BUSY, "no core is free")), dc("dc2", 100))),
                List.of("dc2"), Rule.BEST_SCORE, "HEALTHY"));
        cases.add(when("BUSY over DEGRADED",
                List.of(at(0, dc("dc1", 1, bucket(Bucket.DEGRADED, "1 of its 2 workers take new shares")),
                        dc("dc2", 200, bucket(Bucket.BUSY, "no core is free")))),
                List.of("dc2"), Rule.BEST_SCORE, "BUSY"));
        cases.add(when("a preferred datacenter never wins from a worse bucket",
                List.of(at(0, ONE, prefer("dc2"), dc("dc1", 50), dc("dc2", 5, bucket(Bucket.BUSY, "no core is free")))),
                List.of("dc1"), Rule.BEST_SCORE, ""));
        cases.add(when("stale health counts as DEGRADED",
                List.of(at(0, dc("dc1", 1, rules(new HealthRules.Inputs(Reachability.REACHABLE, 1, 1, 2, 2, 4,
                        LoadState.HEALTHY, true, false, ""))), dc("dc2", 100))),
                List.of("dc2"), Rule.BEST_SCORE, ""));
        cases.add(when("UNHEALTHY is never chosen, however near",
                List.of(at(0, dc("dc1", 1, bucket(Bucket.UNHEALTHY, "it has no worker")),
                        dc("dc2", 300, bucket(Bucket.DEGRADED, "its last 5 probes failed")))),
                List.of("dc2"), Rule.BEST_SCORE, "DEGRADED"));
        cases.add(when("a datacenter still initializing is not chosen",
                List.of(at(0, dc("dc1", 1, registration(Registration.INITIALIZING)), dc("dc2", 100))),
                List.of("dc2"), Rule.BEST_SCORE, ""));
        cases.add(when("with only UNHEALTHY datacenters the job is refused, saying why for each",
                List.of(at(0, dc("dc1", 1, bucket(Bucket.UNHEALTHY, "it has no worker")),
                        dc("dc2", 1, bucket(Bucket.UNHEALTHY, "its manager is overloaded")))),
                List.of(), Rule.REFUSED, "dc1: it has no worker; dc2: its manager is overloaded"));
        cases.add(when("with none heard of yet the job is refused",
                List.of(at(0)), List.of(), Rule.REFUSED, "none has been heard of yet"));
        // ---- hysteresis
        cases.add(when("a choice is held for 30 s against a better score",
                List.of(at(0, dc("dc1", 10), dc("dc2", 12)), at(10, dc("dc1", 10), dc("dc2", 5))),
                List.of("dc1"), Rule.HELD, "held for 30 s"));
        cases.add(when("after the hold a choice is kept unless the best scores at most 0.8×",
                List.of(at(0, dc("dc1", 10), dc("dc2", 12)), at(40, dc("dc1", 10), dc("dc2", 8.5))),
                List.of("dc1"), Rule.KEPT, "not at most 0.8×"));
        cases.add(when("after the hold a score at most 0.8× switches",
                List.of(at(0, dc("dc1", 10), dc("dc2", 12)), at(40, dc("dc1", 10), dc("dc2", 7.9))),
                List.of("dc2"), Rule.SWITCHED, "at most 0.8×"));
        cases.add(when("the switched choice is held in turn",
                List.of(at(0, dc("dc1", 10), dc("dc2", 12)), at(40, dc("dc1", 10), dc("dc2", 7.9)),
                        at(50, dc("dc1", 1), dc("dc2", 7.9))),
                List.of("dc2"), Rule.HELD, ""));
        cases.add(when("a held choice that becomes UNHEALTHY is dropped at once",
                List.of(at(0, dc("dc1", 10), dc("dc2", 12)), at(5, dc("dc1", 10, bucket(Bucket.UNHEALTHY,
                        "it has no worker")), dc("dc2", 12))),
                List.of("dc2"), Rule.FORCED, "cannot take the job now: it has no worker"));
        cases.add(when("a held choice that falls to a worse bucket is dropped at once",
                List.of(at(0, dc("dc1", 10), dc("dc2", 12)), at(5, dc("dc1", 10, bucket(Bucket.BUSY, "no core is free")),
                        dc("dc2", 12))),
                List.of("dc2"), Rule.FORCED, "fell from HEALTHY to BUSY"));
        cases.add(when("a held choice whose score stays ×1.5 for 10 s is dropped",
                List.of(at(0, dc("dc1", 10), dc("dc2", 12)), at(5, dc("dc1", 16), dc("dc2", 12)),
                        at(15, dc("dc1", 16), dc("dc2", 12))),
                List.of("dc2"), Rule.FORCED, "1.5× its score at choice for 10 s"));
        cases.add(when("a score ×1.5 for less than 10 s is held",
                List.of(at(0, dc("dc1", 10), dc("dc2", 12)), at(5, dc("dc1", 16), dc("dc2", 12)),
                        at(8, dc("dc1", 10), dc("dc2", 12)), at(16, dc("dc1", 16), dc("dc2", 12))),
                List.of("dc1"), Rule.HELD, ""));
        // ---- counts, names, all and the fallback chain
        cases.add(new Case("the fallback chain: best bucket by score, then worse buckets",
                List.of(at(0, new JobSpec.Count(2), LATENCY, dc("dc1", 40), dc("dc2", 5, bucket(Bucket.BUSY, "no core is free")),
                        dc("dc3", 20), dc("dc4", 1, bucket(Bucket.DEGRADED, "its health is stale")))),
                List.of("dc3", "dc1"), Rule.BEST_SCORE, "", List.of("dc3", "dc1", "dc2", "dc4")));
        cases.add(when("more datacenters wanted than can take the job: refused",
                List.of(at(0, new JobSpec.Count(3), LATENCY, dc("dc1", 40), dc("dc2", 5),
                        dc("dc3", 1, bucket(Bucket.UNHEALTHY, "no manager is up")))),
                List.of(), Rule.REFUSED, "wants 3 datacenters but 2 can take it (dc3: no manager is up)"));
        cases.add(when("named datacenters are taken as named, in order",
                List.of(at(0, new JobSpec.Named(List.of("dc2", "dc1")), LATENCY, dc("dc1", 1), dc("dc2", 90,
                        bucket(Bucket.DEGRADED, "its health is stale")))),
                List.of("dc2", "dc1"), Rule.NAMED, ""));
        cases.add(when("a named datacenter that is unknown refuses the job",
                List.of(at(0, new JobSpec.Named(List.of("dc9")), LATENCY, dc("dc1", 1))),
                List.of(), Rule.REFUSED, "dc9 is unknown (known: dc1)"));
        cases.add(when("a named datacenter that is UNHEALTHY refuses the job",
                List.of(at(0, new JobSpec.Named(List.of("dc1")), LATENCY, dc("dc1", 1,
                        bucket(Bucket.UNHEALTHY, "it has no worker")))),
                List.of(), Rule.REFUSED, "dc1 cannot take the job: it has no worker"));
        cases.add(when("all: HEALTHY and BUSY datacenters, not the DEGRADED ones",
                List.of(at(0, new JobSpec.AllHealthy(), LATENCY, dc("dc1", 1), dc("dc2", 1, bucket(Bucket.BUSY, "")),
                        dc("dc3", 1, bucket(Bucket.DEGRADED, "")))),
                List.of("dc1", "dc2"), Rule.ALL, "DEGRADED ones only when no other"));
        cases.add(when("all: the DEGRADED ones when there is nothing better",
                List.of(at(0, new JobSpec.AllHealthy(), LATENCY, dc("dc1", 1, bucket(Bucket.DEGRADED, "")),
                        dc("dc2", 1, bucket(Bucket.UNHEALTHY, "it has no worker")))),
                List.of("dc1"), Rule.ALL, ""));
        return cases.stream();
    }

    static Datacenters.View withQuality(Datacenters.View v, double quality) {
        return with(v, Map.of("rttConfidence", quality));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void routes(Case routing) {
        Router router = new Router();
        DatacenterRouter.Route route = null;
        for (Step step : routing.steps()) {
            route = router.route(step.wanted(), step.placement(), step.known(), step.atSeconds() * 1000);
        }
        RoutingDecision decision = route.decision();
        assertThat(decision.rule()).as(decision.reason()).isEqualTo(routing.rule());
        assertThat(decision.chosen()).as(decision.reason()).isEqualTo(routing.chosen());
        assertThat(decision.reason()).contains(routing.reasonHas());
        java.util.regex.Matcher spill = java.util.regex.Pattern.compile("spilled over from (\\S+)").matcher(decision.reason());
        assertThat(decision.spilledFrom()).as("the field says what the reason says")
                .isEqualTo(spill.find() ? spill.group(1) : "");
        if (routing.rule() == Rule.REFUSED) {
            assertThat(route).isInstanceOf(DatacenterRouter.Refused.class);
            assertThat(((DatacenterRouter.Refused) route).reason()).isEqualTo(decision.reason());
        } else {
            assertThat(((DatacenterRouter.Chosen) route).datacenters()).extracting(Datacenters.View::name)
                    .isEqualTo(routing.chosen());
        }
        if (routing.fallback() != null) {
            assertThat(decision.fallback()).isEqualTo(routing.fallback());
        }
        assertThat(decision.candidates()).extracting(RoutingDecision.Candidate::name)
                .isEqualTo(routing.steps().get(routing.steps().size() - 1).known().stream().map(Datacenters.View::name).toList());
    }
}
