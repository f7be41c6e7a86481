package io.stampede.model.stats;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.stampede.model.job.WorkflowSpec;

/**
 * A job's results over time: per workflow and datacenter, the windows its progress carried,
 * merged per second of the clock and kept compactly (counts, and each step's latency histogram
 * encoded). Served as points of any resolution, one datacenter's or every datacenter's merged,
 * each with its own per-window percentiles (never percentiles "so far").
 *
 * <p>A window belongs to the point it starts in: its counts and latencies are that point's,
 * exactly. Rates are spread over time instead: a window that covers several seconds (workers
 * send windows of 2, 5 or 10 s under backpressure) adds its requests, failures, unsent requests,
 * iterations and drops a second to every point it overlaps, in proportion, so a steady rate stays
 * steady whatever the windows' lengths. A window longer than {@value #MAX_WINDOW_MILLIS} ms is
 * not one a worker sends: it is left out of the series (the totals still count it).
 *
 * <p>Bounded: a workflow's series in one datacenter keeps at most {@value #MAX_POINTS} points,
 * and a job at most {@value #MAX_JOB_POINTS} over all of them. Past either, the resolution of the
 * largest series doubles (2 s, 4 s, …): adjacent points merge, exactly, and the whole run stays
 * covered. Not thread-safe; {@link #copy} takes what a reader needs, to be read elsewhere.
 */
public final class JobSeries {

    /** Points kept per workflow and datacenter before their resolution doubles. */
    public static final int MAX_POINTS = 3_600;
    /** Points kept per job, over every workflow and datacenter, before the largest series' resolution doubles. */
    public static final int MAX_JOB_POINTS = 50_000;
    /** The longest window the series takes: workers send windows of 1 to 10 s. */
    public static final long MAX_WINDOW_MILLIS = 60_000;

    /** Every datacenter's points merged, as {@link #series}'s datacenter. */
    public static final String ALL = "all";

    private final Map<String, Map<String, Stored>> series = new LinkedHashMap<>();
    private final int maxPoints;
    private final int maxJobPoints;
    private int points;
    private long skipped;

    public JobSeries() {
        this(MAX_POINTS, MAX_JOB_POINTS);
    }

    JobSeries(int maxPoints, int maxJobPoints) {
        this.maxPoints = maxPoints;
        this.maxJobPoints = maxJobPoints;
    }

    /** What a window adds to the rates of one point it overlaps, per step. */
    private static final class Spread {
        double requests;
        double notSent;
        final Map<String, Double> failures = new LinkedHashMap<>();

        void add(Spread other) {
            requests += other.requests;
            notSent += other.notSent;
            other.failures.forEach((reason, count) -> failures.merge(reason, count, Double::sum));
        }
    }

    /**
     * What one point holds: the windows that start in it, merged (null when none does), and what
     * windows overlapping it contributed to its rates, with the time they cover within it.
     */
    private static final class Bucket {
        WorkflowWindow window;
        final Map<String, Spread> steps = new LinkedHashMap<>();
        double iterations;
        double dropped;
        long coveredFrom = Long.MAX_VALUE;
        long coveredTo = Long.MIN_VALUE;

        /** Adds {@code other}: side by side (another source) or after (the same source, a later time). */
        void add(Bucket other, String workflow, boolean sideBySide) {
            if (other.window != null) {
                if (window == null) {
                    window = other.window;
                } else {
                    WorkflowAccumulator merged = new WorkflowAccumulator(workflow);
                    if (sideBySide) {
                        merged.addConcurrent(window).addConcurrent(other.window);
                    } else {
                        merged.addLater(window).addLater(other.window);
                    }
                    window = merged.toWindow();
                }
            }
            other.steps.forEach((step, spread) -> steps.computeIfAbsent(step, s -> new Spread()).add(spread));
            iterations += other.iterations;
            dropped += other.dropped;
            coveredFrom = Math.min(coveredFrom, other.coveredFrom);
            coveredTo = Math.max(coveredTo, other.coveredTo);
        }

        Bucket copy(String workflow) {
            Bucket copy = new Bucket();
            copy.add(this, workflow, true);
            return copy;
        }
    }

    /** One workflow's points in one datacenter. */
    private static final class Stored {
        long resolutionMillis = 1000;
        final TreeMap<Long, Bucket> points = new TreeMap<>();

        /** Adds a window; returns how many points were added. */
        int add(WorkflowWindow window) {
            int before = points.size();
            String workflow = window.workflow();
            Bucket starts = new Bucket();
            starts.window = window;
            // Side by side with what is there: at 1 s, another window of the same second (a late
            // worker's); coarser, one of the seconds the point merged.
            points.computeIfAbsent(bucket(window.startMillis(), resolutionMillis), b -> new Bucket())
                    .add(starts, workflow, resolutionMillis == 1000);
            long end = Math.max(window.endMillis(), window.startMillis() + 1);
            double span = end - window.startMillis();
            for (long at = bucket(window.startMillis(), resolutionMillis); at < end; at += resolutionMillis) {
                long from = Math.max(at, window.startMillis());
                long to = Math.min(at + resolutionMillis, end);
                double share = (to - from) / span;
                Bucket spread = new Bucket();
                for (StepWindow step : window.steps()) {
                    Spread part = new Spread();
                    part.requests = step.requests() * share;
                    part.notSent = step.unsent() * share;
                    step.failures().forEach((reason, count) -> part.failures.put(reason, count * share));
                    spread.steps.put(step.step(), part);
                }
                spread.iterations = window.iterations() * share;
                spread.dropped = window.droppedIterations() * share;
                spread.coveredFrom = from;
                spread.coveredTo = to;
                points.computeIfAbsent(at, b -> new Bucket()).add(spread, workflow, true);
            }
            return points.size() - before;
        }

        /** Doubles the resolution; returns how many points fewer there are. */
        int coarsen(String workflow) {
            int before = points.size();
            resolutionMillis *= 2;
            TreeMap<Long, Bucket> coarser = rebucket(points, resolutionMillis, workflow);
            points.clear();
            points.putAll(coarser);
            return before - points.size();
        }
    }

    /** A datacenter's windows since its last progress, per workflow (see {@code Payload.DatacenterProgress}). */
    public void add(String datacenter, Map<String, List<WorkflowWindow>> windows) {
        windows.forEach((workflow, seconds) -> {
            Stored stored = series.computeIfAbsent(workflow, w -> new LinkedHashMap<>())
                    .computeIfAbsent(datacenter, dc -> new Stored());
            for (WorkflowWindow window : seconds) {
                if (window.startMillis() == 0 && window.endMillis() == 0) {
                    continue; // an empty share's totals: no time to put them at
                }
                if (window.endMillis() - window.startMillis() > MAX_WINDOW_MILLIS) {
                    skipped++;
                    continue;
                }
                points += stored.add(window);
                while (stored.points.size() > maxPoints) {
                    points -= stored.coarsen(workflow);
                }
            }
            while (points > maxJobPoints && coarsenLargest()) {
                // Each round merges the largest series' points pairwise.
            }
        });
    }

    /** Doubles the resolution of the series with the most points; false when none has two left to merge. */
    private boolean coarsenLargest() {
        String workflow = null;
        Stored largest = null;
        for (Map.Entry<String, Map<String, Stored>> byDatacenter : series.entrySet()) {
            for (Stored stored : byDatacenter.getValue().values()) {
                if (largest == null || stored.points.size() > largest.points.size()) {
                    largest = stored;
                    workflow = byDatacenter.getKey();
                }
            }
        }
        if (largest == null || largest.points.size() <= 1) {
            return false;
        }
        points -= largest.coarsen(workflow);
        return true;
    }

    /**
     * One point of a series: what happened from {@code startMillis} over its resolution.
     *
     * @param seconds             the time windows cover within it (the first may start late)
     * @param iterations          iterations in the windows that start in it
     * @param iterationsPerSecond iterations a second, windows spread over the time they cover
     * @param droppedPerSecond    dropped iterations a second, spread likewise
     * @param activeVus           the peak of virtual users running (datacenters' add up)
     * @param targetRate          open model: the iterations a second the schedule asked of the
     *                            datacenters in the series in the middle of the point, each from its
     *                            own first window; absent otherwise
     */
    public record Point(long startMillis, double seconds, long iterations, double iterationsPerSecond,
            long droppedIterations, double droppedPerSecond, long activeVus,
            @JsonInclude(JsonInclude.Include.NON_NULL) Double targetRate, List<StepPoint> steps) {
    }

    /**
     * One step in one point.
     *
     * @param requests           requests in the windows that start in the point; likewise the
     *                           successes, failures by reason and requests never sent
     * @param requestsPerSecond  requests a second over the point, windows spread over the time they cover
     * @param failuresPerSecond  failures a second by reason, spread likewise
     * @param notSentPerSecond   requests never sent a second, spread likewise
     * @param latencyMs          percentiles of the requests in the windows that start in the point alone
     */
    public record StepPoint(String step, long requests, long successes, long failed, Map<String, Long> failures,
            long notSent, double requestsPerSecond, Map<String, Double> failuresPerSecond, double notSentPerSecond,
            LatencySummary latencyMs) {
    }

    /**
     * A workflow's points.
     *
     * @param datacenter       the datacenter, or {@code all} for every datacenter merged
     * @param resolutionMillis how long each point is
     */
    public record Series(String workflow, String datacenter, long resolutionMillis, List<Point> points) {
    }

    /**
     * What {@link #series} needs for these workflows (all when empty), copied so that it can be
     * read while this one goes on taking windows: the copy shares only immutable windows.
     */
    public JobSeries copy(Optional<String> workflow) {
        JobSeries copy = new JobSeries(Integer.MAX_VALUE, Integer.MAX_VALUE);
        series.forEach((name, byDatacenter) -> {
            if (workflow.isPresent() && !workflow.get().equals(name)) {
                return;
            }
            Map<String, Stored> copied = new LinkedHashMap<>();
            byDatacenter.forEach((dc, stored) -> {
                Stored mine = new Stored();
                mine.resolutionMillis = stored.resolutionMillis;
                stored.points.forEach((start, bucket) -> mine.points.put(start, bucket.copy(name)));
                copied.put(dc, mine);
            });
            copy.series.put(name, copied);
        });
        return copy;
    }

    /**
     * The points of each workflow (or only {@code workflow}), of one datacenter or {@link #ALL}
     * merged, with only {@code step}'s figures when one is named.
     *
     * @param resolutionMillis at least the stored resolution; rounded up to a multiple of it
     * @param sinceMillis      only points that end after this (epoch ms; 0 for all)
     */
    public List<Series> series(Optional<String> workflow, Optional<String> step, String datacenter,
            long resolutionMillis, long sinceMillis) {
        return series(workflow, step, datacenter, resolutionMillis, sinceMillis, Map.of(), Map.of());
    }

    /**
     * As {@link #series(Optional, Optional, String, long, long)}, with each open-model workflow's
     * schedule and each datacenter's share of its rate, for the target rate of its points: each
     * datacenter's share of the schedule from when that datacenter's first window began (they need
     * not start together), added up over the datacenters in the series.
     *
     * @param shares per workflow, each datacenter's fraction of the rate; a datacenter not named
     *               has an even share
     */
    public List<Series> series(Optional<String> workflow, Optional<String> step, String datacenter,
            long resolutionMillis, long sinceMillis, Map<String, WorkflowSpec.Open> schedules,
            Map<String, Map<String, Double>> shares) {
        List<Series> out = new ArrayList<>();
        series.forEach((name, byDatacenter) -> {
            if (workflow.isPresent() && !workflow.get().equals(name)) {
                return;
            }
            List<String> names = byDatacenter.keySet().stream()
                    .filter(dc -> datacenter.equals(ALL) || dc.equals(datacenter)).toList();
            List<Stored> parts = names.stream().map(byDatacenter::get).toList();
            if (parts.isEmpty()) {
                return;
            }
            long stored = parts.stream().mapToLong(part -> part.resolutionMillis).max().orElse(1000);
            long resolution = Math.max(stored, ceil(Math.max(resolutionMillis, 1000), stored));
            // Each datacenter's points at the resolution (one after another), then the datacenters side by side.
            NavigableMap<Long, Bucket> merged = null;
            for (Stored part : parts) {
                NavigableMap<Long, Bucket> since = part.points.tailMap(bucket(sinceMillis, resolution), true);
                NavigableMap<Long, Bucket> mine = part.resolutionMillis == resolution ? since
                        : rebucket(since, resolution, name);
                if (merged == null) {
                    merged = mine;
                } else {
                    TreeMap<Long, Bucket> together = new TreeMap<>();
                    for (NavigableMap<Long, Bucket> source : List.of(merged, mine)) {
                        source.forEach((start, bucket) -> together.computeIfAbsent(start, s -> new Bucket())
                                .add(bucket, name, true));
                    }
                    merged = together;
                }
            }
            WorkflowSpec.Open schedule = schedules.get(name);
            Map<String, Double> share = shares.getOrDefault(name, Map.of());
            int running = byDatacenter.size();
            List<Point> points = new ArrayList<>();
            merged.forEach((start, bucket) -> {
                if (start + resolution > sinceMillis) {
                    Double target = null;
                    if (schedule != null) {
                        double sum = 0;
                        for (String dc : names) {
                            Stored part = byDatacenter.get(dc);
                            if (part.points.isEmpty()) {
                                continue;
                            }
                            long first = part.points.firstEntry().getValue().coveredFrom;
                            if (first >= start + resolution) {
                                continue; // it had not started yet
                            }
                            double middle = (Math.max(start, first) + start + resolution) / 2.0;
                            sum += share.getOrDefault(dc, 1.0 / running) * schedule.rateAt((middle - first) / 1000);
                        }
                        target = sum;
                    }
                    points.add(point(start, bucket, step, target));
                }
            });
            out.add(new Series(name, datacenter, resolution, points));
        });
        return out;
    }

    private static Point point(long start, Bucket bucket, Optional<String> step, Double targetRate) {
        double seconds = Math.max(0, bucket.coveredTo - bucket.coveredFrom) / 1000.0;
        WorkflowWindow window = bucket.window;
        List<StepPoint> steps = new ArrayList<>();
        List<StepWindow> started = window == null ? List.of() : window.steps();
        List<String> names = new ArrayList<>(bucket.steps.keySet());
        started.stream().map(StepWindow::step).filter(name -> !names.contains(name)).forEach(names::add);
        for (String name : names) {
            if (step.isPresent() && !step.get().equals(name)) {
                continue;
            }
            Spread spread = bucket.steps.getOrDefault(name, new Spread());
            Map<String, Double> failuresPerSecond = new LinkedHashMap<>();
            spread.failures.forEach((reason, count) -> failuresPerSecond.put(reason, perSecond(count, seconds)));
            StepWindow s = started.stream().filter(candidate -> candidate.step().equals(name)).findFirst().orElse(null);
            steps.add(s == null
                    ? new StepPoint(name, 0, 0, 0, Map.of(), 0, perSecond(spread.requests, seconds), failuresPerSecond,
                            perSecond(spread.notSent, seconds), LatencySummary.of(LatencyHistograms.create()))
                    : new StepPoint(name, s.requests(), s.successes(), s.failed(), s.failures(), s.unsent(),
                            perSecond(spread.requests, seconds), failuresPerSecond, perSecond(spread.notSent, seconds),
                            LatencySummary.of(s.latency())));
        }
        return new Point(start, seconds, window == null ? 0 : window.iterations(), perSecond(bucket.iterations, seconds),
                window == null ? 0 : window.droppedIterations(), perSecond(bucket.dropped, seconds),
                window == null ? 0 : window.activeVus(), targetRate, steps);
    }

    private static double perSecond(double count, double seconds) {
        return seconds > 0 ? count / seconds : 0;
    }

    /** Points kept, over every workflow and datacenter. */
    public int size() {
        return points;
    }

    /** Windows left out for covering more than {@value #MAX_WINDOW_MILLIS} ms. */
    public long skipped() {
        return skipped;
    }

    /** One source's points at a coarser resolution: points of one source, one after another. */
    private static TreeMap<Long, Bucket> rebucket(NavigableMap<Long, Bucket> points, long resolution, String workflow) {
        TreeMap<Long, Bucket> coarser = new TreeMap<>();
        points.forEach((start, bucket) -> coarser.computeIfAbsent(bucket(start, resolution), s -> new Bucket())
                .add(bucket, workflow, false));
        return coarser;
    }

    private static long bucket(long millis, long resolution) {
        return Math.floorDiv(millis, resolution) * resolution;
    }

    private static long ceil(long value, long multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }
}
