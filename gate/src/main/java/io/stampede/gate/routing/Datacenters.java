package io.stampede.gate.routing;

import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.stampede.cluster.coordinates.VivaldiConfig;
import io.stampede.model.load.Backpressure;
import io.stampede.model.load.LoadState;
import io.stampede.model.wire.Payload;

/**
 * What this gate knows of each datacenter: its managers' status records (every 2 s, over Kafka),
 * this gate's probes of its leader (every 2 s, over gRPC) with their round trips, the observed
 * time from dispatch to first progress, and cooldowns after failed dispatches. From them, each
 * datacenter's registration, reachability, bucket and routing inputs. Not thread-safe; no I/O:
 * time comes in with each call (a look at a datacenter may move it to READY, or on to UNREACHABLE).
 */
public final class Datacenters {

    /** How long a datacenter whose dispatch failed has its routing score doubled. */
    public static final Duration COOLDOWN = Duration.ofSeconds(60);
    /** A dispatch with no progress this long is not waited for any more (no sample). */
    static final Duration DISPATCH_FORGOTTEN_AFTER = Duration.ofMinutes(5);
    /** At most this many dispatches wait for their first progress; the oldest is forgotten past it. */
    static final int MAX_PENDING_DISPATCHES = 10_000;

    /**
     * What a datacenter's manager tells, in a status record or a probe answer.
     *
     * @param probeAddress   host:port where its leader answers probes; empty when unknown
     * @param workers        live workers
     * @param healthyWorkers those of them that take new shares
     * @param coresFreeInMillis how long until a core frees: 0 when one is free, -1 when unknown
     */
    public record Report(String datacenter, String manager, String leader, long term, String probeAddress,
            int managersAlive, int managersTotal, int workers, int healthyWorkers, int cores, int freeCores,
            int activeJobs, LoadState load, long coresFreeInMillis) {
    }

    /**
     * A datacenter as this gate sees it now ({@code GET /api/v1/datacenters}).
     *
     * @param healthy           whether it can take a job now (READY and not UNHEALTHY)
     * @param why               what keeps it from HEALTHY; empty when HEALTHY
     * @param workers           live workers
     * @param healthyWorkers    those of them that take new shares
     * @param rttMillis         the probes' coordinate estimate of the round trip
     * @param rttUpperBoundMillis that estimate plus two deviations, what routing uses
     * @param rttConfidence     how far the estimate is trusted, 0..1
     * @param observedMillis    dispatch-to-first-progress average, 0 before the first sample
     * @param blendedMillis     the RTT bound plus, by the observed figure's confidence, how much
     *                          slower than the quickest datacenter it starts jobs
     * @param score             its routing score for a job with no preference (lower is better);
     *                          null when it cannot take a job
     * @param cooldownUntil     until when its score is doubled after a failed dispatch; null when not
     * @param coresFreeInMillis how long until a core frees there, as its manager estimates: 0 when
     *                          one is free, -1 when it cannot tell
     */
    public record View(String name, boolean healthy, Registration registration, Bucket bucket, String why,
            Reachability reachability, String manager, String leader, long term, int managersAlive,
            int managersTotal, int workers, int healthyWorkers, int cores, int freeCores, int activeJobs,
            LoadState load, Backpressure backpressure, Instant lastSeen, double rttMillis, double rttUpperBoundMillis,
            double rttConfidence, int rttSamples, double observedMillis, double observedConfidence,
            int observedSamples, double blendedMillis, @JsonInclude(JsonInclude.Include.NON_NULL) Double score,
            @JsonInclude(JsonInclude.Include.NON_NULL) Instant cooldownUntil, long coresFreeInMillis) {

        /** Why the datacenter cannot take a job, or empty when it can. */
        public String whyNotHealthy() {
            return healthy ? "" : Router.excluded(this);
        }

        View withScore(Double newScore) {
            return new View(name, healthy, registration, bucket, why, reachability, manager, leader, term,
                    managersAlive, managersTotal, workers, healthyWorkers, cores, freeCores, activeJobs, load,
                    backpressure, lastSeen, rttMillis, rttUpperBoundMillis, rttConfidence, rttSamples, observedMillis,
                    observedConfidence, observedSamples, blendedMillis, newScore, cooldownUntil, coresFreeInMillis);
        }

        public boolean coolingDown() {
            return cooldownUntil != null;
        }

        double rttQuality() {
            return rttConfidence;
        }
    }

    private static final class Known {
        Report report;
        long heardAt = -1;
        boolean ready;
        String probeAddress = "";
        ProbeState probe;
        final DispatchLatency observed = new DispatchLatency();
        long cooldownUntil = -1;
        Backpressure backpressure = Backpressure.NONE;
    }

    private final Map<String, Known> known = new TreeMap<>();
    private final ProbeCoordinates coordinates;
    private final Map<String, Long> pendingDispatches = new LinkedHashMap<>();

    public Datacenters(RandomGenerator random) {
        this.coordinates = new ProbeCoordinates(VivaldiConfig.serf(), random);
    }

    /** A status record from a datacenter's leading manager. */
    public void heard(Payload.DatacenterStatus status, long term, long nowMillis) {
        Known dc = known(status.datacenter());
        dc.report = new Report(status.datacenter(), status.manager(), status.manager(), term, status.probeAddress(),
                Math.max(1, status.managersAlive()), Math.max(1, status.managersTotal()),
                status.allWorkers() > 0 ? status.allWorkers() : status.workers(), status.workers(), status.cores(),
                status.freeCores(), status.activeJobs(), status.load(), status.coresFreeInMillis());
        dc.backpressure = status.backpressure();
        dc.heardAt = nowMillis;
        if (!status.probeAddress().isEmpty()) {
            dc.probeAddress = status.probeAddress();
            if (dc.probe == null) {
                dc.probe = new ProbeState();
            }
        }
    }

    /** A probe answered after {@code rttMillis}. */
    public void answered(Report answer, double rttMillis, long nowMillis) {
        Known dc = known(answer.datacenter());
        dc.report = answer;
        dc.heardAt = nowMillis;
        if (dc.probe == null) {
            dc.probe = new ProbeState();
        }
        dc.probe.answered();
        if (!answer.probeAddress().isEmpty()) {
            dc.probeAddress = answer.probeAddress(); // a follower names its leader
        }
        coordinates.measured(answer.datacenter(), rttMillis / 1000.0, nowMillis);
    }

    /** A probe failed or passed its deadline. */
    public void probeFailed(String datacenter, String why, long nowMillis) {
        Known dc = known.get(datacenter);
        if (dc != null && dc.probe != null) {
            dc.probe.failed(why, nowMillis);
        }
    }

    /** Where to probe each datacenter whose managers announced a probe address. */
    public Map<String, String> probeTargets() {
        Map<String, String> targets = new LinkedHashMap<>();
        known.forEach((name, dc) -> {
            if (!dc.probeAddress.isEmpty()) {
                targets.put(name, dc.probeAddress);
            }
        });
        return targets;
    }

    /** Datacenters the gate is told to expect: each is AWAITING until it is heard from. */
    public void expect(List<String> names) {
        names.forEach(this::known);
    }

    /** This gate published a job to a datacenter: the time to its first progress is a latency sample. */
    public void dispatched(String datacenter, String job, long nowMillis) {
        pendingDispatches.put(datacenter + "/" + job, nowMillis);
        Iterator<Map.Entry<String, Long>> oldest = pendingDispatches.entrySet().iterator();
        while (oldest.hasNext()) {
            Map.Entry<String, Long> entry = oldest.next();
            if (pendingDispatches.size() <= MAX_PENDING_DISPATCHES
                    && nowMillis - entry.getValue() < DISPATCH_FORGOTTEN_AFTER.toMillis()) {
                break;
            }
            oldest.remove();
        }
    }

    /** A datacenter reported progress on a job. */
    public void progressed(String datacenter, String job, long nowMillis) {
        Long at = pendingDispatches.remove(datacenter + "/" + job);
        if (at != null) {
            known(datacenter).observed.sample(nowMillis - at, nowMillis);
        }
    }

    /** A job could not be dispatched to a datacenter: its score is doubled for {@link #COOLDOWN}. */
    public void dispatchFailed(String datacenter, long nowMillis) {
        known(datacenter).cooldownUntil = nowMillis + COOLDOWN.toMillis();
    }

    /** Every datacenter heard of, by name, as it is at {@code nowMillis}. */
    public List<View> all(long nowMillis) {
        List<ProbeState> probes = known.values().stream().filter(dc -> dc.probe != null).map(dc -> dc.probe).toList();
        FailureCorrelation.Severity correlation = FailureCorrelation.severity(probes, nowMillis);
        double quickest = known.values().stream().filter(dc -> dc.observed.samples() > 0)
                .mapToDouble(dc -> dc.observed.millis()).min().orElse(0);
        return known.entrySet().stream()
                .map(entry -> view(entry.getKey(), entry.getValue(), correlation, quickest, nowMillis)).toList();
    }

    private View view(String name, Known dc, FailureCorrelation.Severity correlation, double quickestObserved,
            long nowMillis) {
        Reachability reachability = dc.probe == null ? Reachability.NOT_PROBED : dc.probe.evaluate(nowMillis, correlation);
        Report report = dc.report;
        boolean heard = report != null;
        int managersAlive = report == null ? 0 : report.managersAlive();
        Registration registration = HealthRules.registration(heard, dc.ready, managersAlive,
                report == null ? 1 : report.managersTotal(), report == null ? 0 : report.workers());
        if (registration == Registration.READY) {
            dc.ready = true;
        }
        HealthRules.Verdict verdict;
        if (report == null) {
            verdict = new HealthRules.Verdict(Bucket.UNHEALTHY, "no status or probe answer yet");
        } else {
            long silence = nowMillis - dc.heardAt;
            verdict = HealthRules.bucket(new HealthRules.Inputs(reachability, managersAlive, report.managersTotal(),
                    report.workers(), report.healthyWorkers(), report.freeCores(), report.load(),
                    silence > HealthRules.STALE_AFTER.toMillis(), silence > HealthRules.SILENT_AFTER.toMillis(),
                    dc.probe == null ? "" : dc.probe.lastFailure()));
        }
        boolean healthy = registration == Registration.READY && verdict.bucket().usable();
        double rttBound = coordinates.rttUpperBoundMillis(name);
        double observedConfidence = dc.observed.confidence(nowMillis);
        Instant cooldown = dc.cooldownUntil > nowMillis ? Instant.ofEpochMilli(dc.cooldownUntil) : null;
        View view = new View(name, healthy, registration, verdict.bucket(), verdict.why(), reachability,
                report == null ? "" : report.manager(), report == null ? "" : report.leader(),
                report == null ? 0 : report.term(), managersAlive, report == null ? 0 : report.managersTotal(),
                report == null ? 0 : report.workers(), report == null ? 0 : report.healthyWorkers(),
                report == null ? 0 : report.cores(), report == null ? 0 : report.freeCores(),
                report == null ? 0 : report.activeJobs(), report == null ? LoadState.HEALTHY : report.load(),
                dc.backpressure, dc.heardAt < 0 ? null : Instant.ofEpochMilli(dc.heardAt), coordinates.rttMillis(name),
                rttBound, coordinates.quality(name, nowMillis), coordinates.samples(name), dc.observed.millis(),
                observedConfidence, dc.observed.samples(),
                DispatchLatency.blend(rttBound, dc.observed.millis(), observedConfidence, quickestObserved), null,
                cooldown, report == null ? -1 : report.coresFreeInMillis());
        return healthy ? view.withScore(Router.score(view, false)) : view;
    }

    private Known known(String datacenter) {
        return known.computeIfAbsent(datacenter, name -> new Known());
    }
}
