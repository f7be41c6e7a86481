package io.stampede.model.stats;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

import io.stampede.model.job.WorkflowSpec;

/**
 * A job's results over time: per workflow and datacenter, the windows its progress carried,
 * merged per second of the clock and kept compactly (counts, and each step's latency histogram
 * encoded). Served as points of any resolution, one datacenter's or every datacenter's merged,
 * each with its own per-window percentiles (never percentiles "so far").
 *
 * <p>A window belongs to the point it starts in: its counts and latencies are that point's,
 * exactly. Rates are spread over time instead: a window that covers several seconds (workers
 * send windows of 2, 5 or 10 s under backpressure) adds its requests a second to every point it
 * overlaps, in proportion, so a steady rate stays steady whatever the windows' lengths.
 *
 * <p>Bounded: a workflow's series in one datacenter keeps at most {@value #MAX_POINTS} points.
 * Past that, its resolution doubles (2 s, 4 s, …): adjacent points merge, exactly, and the whole
 * run stays covered. Not thread-safe.
 */
public final class JobSeries {

    /** Points kept per workflow and datacenter before their resolution doubles. */
    public static final int MAX_POINTS = 3_600;

    /** Every datacenter's points merged, as {@link #series}'s datacenter. */
    public static final String ALL = "all";

    private final Map<String, Map<String, Stored>> series = new LinkedHashMap<>();
    private final int maxPoints;

    public JobSeries() {
        this(MAX_POINTS);
    }

    JobSeries(int maxPoints) {
        this.maxPoints = maxPoints;
    }

    /**
     * What one point holds: the windows that start in it, merged (null when none does), and the
     * requests (per step) and iterations that windows overlapping it contributed to its rates,
     * with the time they cover within it.
     */
    private static final class Bucket {
        WorkflowWindow window;
        final Map<String, Double> requests = new LinkedHashMap<>();
        double iterations;
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
            other.requests.forEach((step, count) -> requests.merge(step, count, Double::sum));
            iterations += other.iterations;
            coveredFrom = Math.min(coveredFrom, other.coveredFrom);
            coveredTo = Math.max(coveredTo, other.coveredTo);
        }
    }

    /** One workflow's points in one datacenter. */
    private static final class Stored {
        long resolutionMillis = 1000;
        final TreeMap<Long, Bucket> points = new TreeMap<>();

        void add(WorkflowWindow window, int maxPoints) {
            String workflow = window.workflow();
            Bucket starts = new Bucket();
            starts.window = window;
            // Side by side with what is there: at 1 s, another window of the same second (a late
            // worker's); coarser, one of the seconds the point merged.
            points.computeIfAbsent(bucket(window.startMillis(), resolutionMillis), b -> new Bucket())
                    .add(starts, workflow, resolutionMillis == 1000);
            long span = Math.max(1, window.endMillis() - window.startMillis());
            for (long at = bucket(window.startMillis(), resolutionMillis); at < Math.max(window.endMillis(),
                    window.startMillis() + 1); at += resolutionMillis) {
                long from = Math.max(at, window.startMillis());
                long to = Math.min(at + resolutionMillis, Math.max(window.endMillis(), window.startMillis() + 1));
                double share = (double) (to - from) / span;
                Bucket spread = new Bucket();
                window.steps().forEach(step -> spread.requests.put(step.step(), step.requests() * share));
                spread.iterations = window.iterations() * share;
                spread.coveredFrom = from;
                spread.coveredTo = to;
                points.computeIfAbsent(at, b -> new Bucket()).add(spread, workflow, true);
            }
            while (points.size() > maxPoints) {
                resolutionMillis *= 2;
                TreeMap<Long, Bucket> coarser = rebucket(points, resolutionMillis, workflow);
                points.clear();
                points.putAll(coarser);
            }
        }
    }

    /** A datacenter's windows since its last progress, per workflow (see {@code Payload.DatacenterProgress}). */
    public void add(String datacenter, Map<String, List<WorkflowWindow>> windows) {
        windows.forEach((workflow, seconds) -> {
            Stored stored = series.computeIfAbsent(workflow, w -> new LinkedHashMap<>())
                    .computeIfAbsent(datacenter, dc -> new Stored());
            for (WorkflowWindow window : seconds) {
                if (window.startMillis() != 0 || window.endMillis() != 0) {
                    stored.add(window, maxPoints);
                }
            }
        });
    }

    /**
     * One point of a series: what happened from {@code startMillis} over its resolution.
     *
     * @param seconds           the time its windows cover within it (the first may start late)
     * @param iterations        iterations in the windows that start in it
     * @param activeVus         the peak of virtual users running (datacenters' add up)
     * @param targetRate        open model, every datacenter merged: the iterations a second the
     *                          schedule asked for in the middle of the point, counted from the
     *                          series' first point; null otherwise
     * @param iterationsPerSecond iterations a second, windows spread over the time they cover
     */
    public record Point(long startMillis, double seconds, long iterations, double iterationsPerSecond,
            long droppedIterations, long activeVus, Double targetRate, List<StepPoint> steps) {
    }

    /**
     * One step in one point.
     *
     * @param requests          requests in the windows that start in the point
     * @param requestsPerSecond requests a second over the point, windows spread over the time they cover
     * @param latencyMs         percentiles of the requests in the windows that start in the point alone
     */
    public record StepPoint(String step, long requests, long successes, long failed, Map<String, Long> failures,
            long notSent, double requestsPerSecond, LatencySummary latencyMs) {
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
     * The points of each workflow (or only {@code workflow}), of one datacenter or {@link #ALL}
     * merged, with only {@code step}'s figures when one is named.
     *
     * @param resolutionMillis at least the stored resolution; rounded up to a multiple of it
     * @param sinceMillis      only points that end after this (epoch ms; 0 for all)
     */
    public List<Series> series(Optional<String> workflow, Optional<String> step, String datacenter,
            long resolutionMillis, long sinceMillis) {
        return series(workflow, step, datacenter, resolutionMillis, sinceMillis, Map.of());
    }

    /**
     * As {@link #series(Optional, Optional, String, long, long)}, with each open-model workflow's
     * schedule, for the target rate of its points merged over every datacenter.
     */
    public List<Series> series(Optional<String> workflow, Optional<String> step, String datacenter,
            long resolutionMillis, long sinceMillis, Map<String, WorkflowSpec.Open> schedules) {
        List<Series> out = new ArrayList<>();
        series.forEach((name, byDatacenter) -> {
            if (workflow.isPresent() && !workflow.get().equals(name)) {
                return;
            }
            List<Stored> parts = byDatacenter.entrySet().stream()
                    .filter(dc -> datacenter.equals(ALL) || dc.getKey().equals(datacenter))
                    .map(Map.Entry::getValue).toList();
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
            WorkflowSpec.Open schedule = datacenter.equals(ALL) ? schedules.get(name) : null;
            long first = parts.stream().filter(part -> !part.points.isEmpty())
                    .mapToLong(part -> part.points.firstEntry().getValue().coveredFrom).min().orElse(0);
            List<Point> points = new ArrayList<>();
            merged.forEach((start, bucket) -> {
                if (start + resolution > sinceMillis) {
                    Double target = schedule == null ? null : schedule.rateAt(
                            (Math.max(start, first) + start + resolution) / 2.0 / 1000 - first / 1000.0);
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
        List<String> names = new ArrayList<>(bucket.requests.keySet());
        started.stream().map(StepWindow::step).filter(name -> !names.contains(name)).forEach(names::add);
        for (String name : names) {
            if (step.isPresent() && !step.get().equals(name)) {
                continue;
            }
            double rate = seconds > 0 ? bucket.requests.getOrDefault(name, 0.0) / seconds : 0;
            StepWindow s = started.stream().filter(candidate -> candidate.step().equals(name)).findFirst().orElse(null);
            steps.add(s == null ? new StepPoint(name, 0, 0, 0, Map.of(), 0, rate, LatencySummary.of(LatencyHistograms.create()))
                    : new StepPoint(name, s.requests(), s.successes(), s.failed(), s.failures(), s.unsent(), rate,
                            LatencySummary.of(s.latency())));
        }
        return new Point(start, seconds, window == null ? 0 : window.iterations(),
                seconds > 0 ? bucket.iterations / seconds : 0, window == null ? 0 : window.droppedIterations(),
                window == null ? 0 : window.activeVus(), targetRate, steps);
    }

    /** Points kept, over every workflow and datacenter. */
    public int size() {
        return series.values().stream().flatMap(byDatacenter -> byDatacenter.values().stream())
                .mapToInt(stored -> stored.points.size()).sum();
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
