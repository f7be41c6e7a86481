package io.stampede.gate.routing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.stampede.model.job.JobSpec;

/**
 * The routing pipeline (docs/routing.md): candidates → blended latency → filter → bucket →
 * bootstrap → score → cooldown → hysteresis → fallback chain → wait for, or spill over from, a
 * BUSY nearest datacenter. Pure but for the choices it holds
 * (hysteresis), which it keeps per kind of request; time comes in with each call. Not thread-safe.
 */
public final class Router implements DatacenterRouter {

    /** An earlier choice is held this long before a better datacenter may replace it. */
    public static final Duration HOLD = Duration.ofSeconds(30);
    /** After the hold, switch only to a datacenter whose score is at most this share of the held one's. */
    public static final double SWITCH_AT = 0.8;
    /** The held choice is dropped at once when its score has been this many times its own at choice... */
    public static final double DEGRADED_BY = 1.5;
    /** ...for this long. */
    public static final Duration DEGRADED_FOR = Duration.ofSeconds(10);
    /** A preferred datacenter's score is multiplied by this. */
    public static final double PREFERRED = 0.9;
    /** A datacenter cooling down after a failed dispatch has its score multiplied by this. */
    public static final double COOLDOWN_PENALTY = 2.0;
    /** Under this many latency samples (probes and dispatches), datacenters are ranked by capacity. */
    public static final int BOOTSTRAP_SAMPLES = 10;
    /** A BUSY nearest datacenter is waited for when a core frees there within this long... */
    public static final Duration WAIT_FOR_CORE = Duration.ofSeconds(60);
    /** ...or when the next datacenter with free cores is more than this farther, in ms. */
    public static final double MAX_DETOUR_MILLIS = 100;
    /** How many choices are held (one per kind of request); the oldest is forgotten past it. */
    static final int MAX_HOLDS = 1_000;

    private record Held(String datacenter, long since, double scoreAtChoice, Bucket bucketAtChoice,
            long degradedSince) {
    }

    private final Map<String, Held> holds = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Held> eldest) {
            return size() > MAX_HOLDS;
        }
    };

    /**
     * A datacenter's routing score, lower is better: its blended latency × a load factor
     * (1 + 0.5·utilisation + 0.3·jobs/(jobs + 10), capped at 5) × a quality factor
     * (1 + 0.5·(1 − RTT confidence), capped at 2); ×0.9 when preferred and ×2 while cooling down.
     * (With these terms the caps are not reached: the factors are at most 1.8 and 1.5.)
     */
    public static double score(Datacenters.View view, boolean preferred) {
        double utilization = view.cores() > 0 ? 1 - Math.max(0, view.freeCores()) / (double) view.cores() : 1;
        double queue = view.activeJobs();
        double load = Math.min(5, 1 + 0.5 * utilization + 0.3 * queue / (queue + 10));
        double quality = Math.min(2, 1 + 0.5 * (1 - view.rttQuality()));
        double score = view.blendedMillis() * load * quality;
        if (preferred) {
            score *= PREFERRED;
        }
        if (view.coolingDown()) {
            score *= COOLDOWN_PENALTY;
        }
        return score;
    }

    @Override
    public Route route(JobSpec.Datacenters wanted, JobSpec.Placement placement, List<Datacenters.View> known,
            long nowMillis) {
        Map<String, Datacenters.View> byName = known.stream()
                .collect(Collectors.toMap(Datacenters.View::name, Function.identity(), (a, b) -> a, LinkedHashMap::new));
        Map<String, Double> scores = new LinkedHashMap<>();
        List<RoutingDecision.Candidate> candidates = new ArrayList<>();
        for (Datacenters.View view : known) {
            boolean preferred = placement.prefer().contains(view.name());
            String excluded = excluded(view);
            Double score = excluded.isEmpty() ? score(view, preferred) : null;
            if (score != null) {
                scores.put(view.name(), score);
            }
            candidates.add(new RoutingDecision.Candidate(view.name(), view.bucket(), view.why(), excluded,
                    view.rttMillis(), view.rttUpperBoundMillis(), view.observedMillis(), view.blendedMillis(),
                    view.freeCores(), view.activeJobs(), preferred, view.coolingDown(), score));
        }
        String strategy = placement.strategy().name().toLowerCase(java.util.Locale.ROOT);
        Decide decide = (rule, reason, chosen, chain) -> {
            Optional<String> spilled = spilledFrom(chosen, known, scores.keySet());
            return new RoutingDecision(strategy, rule, reason + spilled.map(nearest -> "; spilled over from " + nearest
                    + " (no core is free there" + (byName.get(nearest).coresFreeInMillis() > 0 ? " for about "
                            + Math.round(byName.get(nearest).coresFreeInMillis() / 1000.0) + " s" : "") + "), "
                    + round(byName.get(chosen.get(0).name()).blendedMillis() - byName.get(nearest).blendedMillis())
                    + " ms farther").orElse(""),
                    chosen.stream().map(Datacenters.View::name).toList(),
                    chain.stream().map(Datacenters.View::name).toList(), candidates, nowMillis, spilled.orElse(""));
        };

        if (wanted instanceof JobSpec.Named named) {
            List<Datacenters.View> chosen = new ArrayList<>();
            for (String name : named.names()) {
                Datacenters.View view = byName.get(name);
                String problem = view == null ? "datacenter " + name + " is unknown (known: "
                        + String.join(", ", byName.keySet()) + ")"
                        : excluded(view).isEmpty() ? "" : "datacenter " + name + " cannot take the job: " + excluded(view);
                if (!problem.isEmpty()) {
                    return new Refused(problem, decide.of(RoutingDecision.Rule.REFUSED, problem, List.of(), List.of()));
                }
                chosen.add(view);
            }
            return new Chosen(chosen, decide.of(RoutingDecision.Rule.NAMED, "the job names its datacenters", chosen,
                    chosen));
        }

        List<Datacenters.View> usable = known.stream().filter(view -> scores.containsKey(view.name())).toList();
        if (usable.isEmpty()) {
            String reason = "no datacenter can take the job" + (known.isEmpty() ? " (none has been heard of yet)"
                    : known.stream().map(view -> view.name() + ": " + excluded(view))
                            .collect(Collectors.joining("; ", " (", ")")));
            return new Refused(reason, decide.of(RoutingDecision.Rule.REFUSED, reason, List.of(), List.of()));
        }
        Bucket best = usable.stream().map(Datacenters.View::bucket).min(Comparator.naturalOrder()).orElseThrow();
        boolean bootstrap = usable.stream().filter(view -> view.bucket() == best)
                .anyMatch(view -> view.rttSamples() + view.observedSamples() < BOOTSTRAP_SAMPLES);
        boolean byCapacity = bootstrap || placement.strategy() == JobSpec.Strategy.CAPACITY;
        Comparator<Datacenters.View> withinBucket = byCapacity
                ? Comparator.comparingInt(Datacenters.View::freeCores).reversed()
                        .thenComparingInt(Datacenters.View::activeJobs)
                        .thenComparing(view -> !placement.prefer().contains(view.name()))
                        .thenComparing(view -> scores.get(view.name()))
                : Comparator.comparing(view -> scores.get(view.name()));
        List<Datacenters.View> chain = new ArrayList<>(usable.stream()
                .sorted(Comparator.comparing(Datacenters.View::bucket).thenComparing(withinBucket)
                        .thenComparing(Datacenters.View::name))
                .toList());

        if (wanted instanceof JobSpec.AllHealthy) {
            Bucket worstTaken = best.compareTo(Bucket.BUSY) <= 0 ? Bucket.BUSY : best;
            List<Datacenters.View> chosen = chain.stream().filter(view -> view.bucket().compareTo(worstTaken) <= 0)
                    .toList();
            String reason = "every usable datacenter" + (chosen.size() < chain.size()
                    ? " in the best buckets (DEGRADED ones only when no other can take the job)" : "");
            return new Chosen(chosen, decide.of(RoutingDecision.Rule.ALL, reason, chosen, chain));
        }

        int count = ((JobSpec.Count) wanted).count();
        if (count > chain.size()) {
            List<String> whyNot = known.stream().filter(view -> !excluded(view).isEmpty())
                    .map(view -> view.name() + ": " + excluded(view)).toList();
            String reason = "the job wants " + count + " datacenters but " + chain.size() + " can take it"
                    + (whyNot.isEmpty() ? "" : " (" + String.join("; ", whyNot) + ")");
            return new Refused(reason, decide.of(RoutingDecision.Rule.REFUSED, reason, List.of(), chain));
        }
        RoutingDecision.Rule rule;
        String reason;
        Datacenters.View first = chain.get(0);
        if (byCapacity) {
            rule = bootstrap ? RoutingDecision.Rule.BOOTSTRAP : RoutingDecision.Rule.CAPACITY;
            reason = (bootstrap ? "fewer than " + BOOTSTRAP_SAMPLES + " latency samples for a " + best
                    + " datacenter: " : "") + "ranked by free cores, then running jobs";
        } else {
            String key = wanted + "|" + placement;
            Held held = holds.get(key);
            Optional<String> forced = held == null ? Optional.empty()
                    : forcedSwitch(held, byName.get(held.datacenter()), scores, best, nowMillis, key);
            if (held == null || forced.isPresent() || held.datacenter().equals(first.name())) {
                // Forced away from a datacenter that is still the best is no switch: it is chosen afresh.
                boolean switched = forced.isPresent() && !held.datacenter().equals(first.name());
                rule = switched ? RoutingDecision.Rule.FORCED : RoutingDecision.Rule.BEST_SCORE;
                reason = switched ? forced.get()
                        : first.name() + " has the lowest score in the best bucket (" + best + ")";
                if (held == null || forced.isPresent() || !held.datacenter().equals(first.name())) {
                    holds.put(key, new Held(first.name(), nowMillis, scores.get(first.name()), first.bucket(), -1));
                }
            } else {
                Datacenters.View current = byName.get(held.datacenter());
                double currentScore = scores.get(current.name());
                double bestScore = scores.get(first.name());
                long heldFor = nowMillis - held.since();
                if (heldFor < HOLD.toMillis()) {
                    rule = RoutingDecision.Rule.HELD;
                    reason = current.name() + " was chosen " + heldFor / 1000 + " s ago and is held for "
                            + HOLD.toSeconds() + " s (" + first.name() + " scores " + round(bestScore) + " against "
                            + round(currentScore) + ")";
                } else if (bestScore <= SWITCH_AT * currentScore) {
                    rule = RoutingDecision.Rule.SWITCHED;
                    reason = first.name() + " scores " + round(bestScore) + ", at most " + SWITCH_AT + "× "
                            + current.name() + "'s " + round(currentScore);
                    holds.put(key, new Held(first.name(), nowMillis, bestScore, first.bucket(), -1));
                } else {
                    rule = RoutingDecision.Rule.KEPT;
                    reason = current.name() + " is kept: " + first.name() + " scores " + round(bestScore)
                            + ", not at most " + SWITCH_AT + "× its " + round(currentScore);
                }
                if (rule != RoutingDecision.Rule.SWITCHED) {
                    chain.remove(current);
                    chain.add(0, current);
                }
            }
        }
        if (!byCapacity && count == 1) {
            Optional<String> waits = waitForNearest(chain, usable);
            if (waits.isPresent()) {
                rule = RoutingDecision.Rule.WAITS;
                reason = waits.get();
            }
        }
        List<Datacenters.View> chosen = List.copyOf(chain.subList(0, count));
        return new Chosen(chosen, decide.of(rule, reason, chosen, chain));
    }

    @Override
    public void dispatchFailed(String datacenter) {
        holds.values().removeIf(held -> held.datacenter().equals(datacenter));
    }

    /** Why the held choice must go at once, if it must; notes when its score started to degrade. */
    private Optional<String> forcedSwitch(Held held, Datacenters.View current, Map<String, Double> scores, Bucket best,
            long nowMillis, String key) {
        if (current == null || !scores.containsKey(current.name())) {
            return Optional.of(held.datacenter() + ", chosen before, cannot take the job now"
                    + (current == null ? "" : ": " + excluded(current)));
        }
        if (current.bucket().compareTo(held.bucketAtChoice()) > 0 || current.bucket().compareTo(best) > 0) {
            return Optional.of(held.datacenter() + ", chosen before, fell from " + held.bucketAtChoice() + " to "
                    + current.bucket() + (current.bucket().compareTo(best) > 0 ? " (a " + best + " one is usable)" : ""));
        }
        double score = scores.get(current.name());
        if (score >= DEGRADED_BY * held.scoreAtChoice()) {
            long since = held.degradedSince() < 0 ? nowMillis : held.degradedSince();
            if (nowMillis - since >= DEGRADED_FOR.toMillis()) {
                return Optional.of(held.datacenter() + ", chosen before, has scored at least " + DEGRADED_BY
                        + "× its score at choice for " + DEGRADED_FOR.toSeconds() + " s");
            }
            holds.put(key, new Held(held.datacenter(), held.since(), held.scoreAtChoice(), held.bucketAtChoice(), since));
        } else if (held.degradedSince() >= 0) {
            holds.put(key, new Held(held.datacenter(), held.since(), held.scoreAtChoice(), held.bucketAtChoice(), -1));
        }
        return Optional.empty();
    }

    /**
     * The nearest usable datacenter (lowest blended latency), when the job's primary is another
     * because the nearest has no free core and the primary has some: the job spilled over.
     */
    private static Optional<String> spilledFrom(List<Datacenters.View> chosen, List<Datacenters.View> known,
            java.util.Set<String> usable) {
        if (chosen.isEmpty() || chosen.get(0).freeCores() <= 0) {
            return Optional.empty();
        }
        return known.stream().filter(view -> usable.contains(view.name()))
                .min(Comparator.comparingDouble(Datacenters.View::blendedMillis).thenComparing(Datacenters.View::name))
                .filter(nearest -> nearest.bucket() == Bucket.BUSY && !chosen.contains(nearest))
                .map(Datacenters.View::name);
    }

    /**
     * For a job that wants one datacenter: when the nearest usable datacenter is BUSY while the
     * primary choice has free cores, and a core frees there within {@link #WAIT_FOR_CORE} or the
     * primary is more than {@link #MAX_DETOUR_MILLIS} farther, moves it to the front of the chain
     * (the job waits there, QUEUED) and says why. (With several datacenters, a BUSY one would get
     * no share of the load, which is split by free cores.)
     */
    private static Optional<String> waitForNearest(List<Datacenters.View> chain, List<Datacenters.View> usable) {
        Datacenters.View primary = chain.get(0);
        Optional<Datacenters.View> nearest = usable.stream()
                .min(Comparator.comparingDouble(Datacenters.View::blendedMillis).thenComparing(Datacenters.View::name));
        if (nearest.isEmpty() || nearest.get().bucket() != Bucket.BUSY || nearest.get() == primary
                || primary.freeCores() <= 0) {
            return Optional.empty();
        }
        Datacenters.View busy = nearest.get();
        double detour = primary.blendedMillis() - busy.blendedMillis();
        boolean soon = busy.coresFreeInMillis() >= 0 && busy.coresFreeInMillis() <= WAIT_FOR_CORE.toMillis();
        if (!soon && detour <= MAX_DETOUR_MILLIS) {
            return Optional.empty();
        }
        chain.remove(busy);
        chain.add(0, busy);
        return Optional.of(busy.name() + " is nearest and has no free core; the job waits there (QUEUED), since "
                + (soon ? "a core should free in about " + Math.round(busy.coresFreeInMillis() / 1000.0) + " s"
                        : primary.name() + ", the best choice with free cores, is " + round(detour) + " ms farther"));
    }

    /** Why a datacenter cannot be chosen at all; empty when it can. */
    static String excluded(Datacenters.View view) {
        if (view.registration() == Registration.AWAITING) {
            return "it is expected but has not been heard from yet";
        }
        if (view.registration() == Registration.INITIALIZING) {
            return "it is initializing: " + view.managersAlive() + " of its " + view.managersTotal()
                    + " managers up (a majority is needed) and " + view.workers() + " workers (one is needed)";
        }
        return view.bucket().usable() ? "" : view.why();
    }

    private static String round(double score) {
        return String.format(java.util.Locale.ROOT, "%.1f", score);
    }

    @FunctionalInterface
    private interface Decide {
        RoutingDecision of(RoutingDecision.Rule rule, String reason, List<Datacenters.View> chosen,
                List<Datacenters.View> chain);
    }
}
