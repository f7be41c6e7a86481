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
 * <p>Bounded: a workflow's series in one datacenter keeps at most {@value #MAX_POINTS} points.
 * Past that, its resolution doubles (2 s, 4 s, …): adjacent points merge, exactly, and the whole
 * run stays covered. Not thread-safe.
 */
public final class JobSeries {

    /** Points kept per workflow and datacenter before their resolution doubles. */
    public static final int MAX_POINTS = 3_600;

    private final Map<String, Map<String, Stored>> series = new LinkedHashMap<>();
    private final int maxPoints;

    public JobSeries() {
        this(MAX_POINTS);
    }

    JobSeries(int maxPoints) {
        this.maxPoints = maxPoints;
    }

    /** One workflow's points in one datacenter. */
    private static final class Stored {
        long resolutionMillis = 1000;
        final TreeMap<Long, WorkflowWindow> points = new TreeMap<>();

        void add(WorkflowWindow window, int maxPoints) {
            long bucket = bucket(window.startMillis(), resolutionMillis);
            WorkflowWindow there = points.get(bucket);
            if (there == null) {
                points.put(bucket, window);
            } else {
                // Two windows of one second from one datacenter (a worker's late window) ran side by
                // side; of a longer point, one came after the other.
                WorkflowAccumulator merged = new WorkflowAccumulator(window.workflow());
                if (resolutionMillis == 1000) {
                    merged.addConcurrent(there).addConcurrent(window);
                } else {
                    merged.addLater(there).addLater(window);
                }
                points.put(bucket, merged.toWindow());
            }
            while (points.size() > maxPoints) {
                resolutionMillis *= 2;
                TreeMap<Long, WorkflowWindow> coarser = rebucket(points, resolutionMillis);
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
     * @param seconds    the time its windows cover within it (the first may start late)
     * @param targetRate open model, every datacenter merged: the iterations a second the schedule
     *                   asked for in the middle of the point, counted from the series' first
     *                   point; null otherwise
     */
    public record Point(long startMillis, double seconds, long iterations, long droppedIterations, long activeVus,
            Double targetRate, List<StepPoint> steps) {
    }

    /**
     * One step in one point.
     *
     * @param requestsPerSecond the point's requests over the time its windows cover within it
     * @param latencyMs         percentiles of this point's requests alone
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

    /** Every datacenter's points merged, as {@link #series}'s datacenter. */
    public static final String ALL = "all";

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
            List<NavigableMap<Long, WorkflowWindow>> atResolution = new ArrayList<>();
            for (Stored part : parts) {
                NavigableMap<Long, WorkflowWindow> since = part.points.tailMap(bucket(sinceMillis, resolution), true);
                atResolution.add(part.resolutionMillis == resolution ? since : rebucket(since, resolution));
            }
            NavigableMap<Long, WorkflowWindow> merged = atResolution.get(0);
            if (atResolution.size() > 1) {
                TreeMap<Long, WorkflowAccumulator> together = new TreeMap<>();
                atResolution.forEach(part -> part.forEach((start, window) -> together
                        .computeIfAbsent(start, s -> new WorkflowAccumulator(name)).addConcurrent(window)));
                TreeMap<Long, WorkflowWindow> windows = new TreeMap<>();
                together.forEach((start, accumulator) -> windows.put(start, accumulator.toWindow()));
                merged = windows;
            }
            WorkflowSpec.Open schedule = datacenter.equals(ALL) ? schedules.get(name) : null;
            long first = parts.stream().filter(part -> !part.points.isEmpty())
                    .mapToLong(part -> part.points.firstEntry().getValue().startMillis()).min().orElse(0);
            List<Point> points = new ArrayList<>();
            merged.forEach((start, window) -> {
                if (start + resolution > sinceMillis) {
                    Double target = schedule == null ? null
                            : schedule.rateAt((Math.max(start, first) + start + resolution) / 2.0 / 1000 - first / 1000.0);
                    points.add(point(start, resolution, window, step, target));
                }
            });
            out.add(new Series(name, datacenter, resolution, points));
        });
        return out;
    }

    private static Point point(long start, long resolution, WorkflowWindow window, Optional<String> step,
            Double targetRate) {
        // The time the windows cover within the point: the first second may start late, the last end early.
        double seconds = Math.max(0, Math.min(start + resolution, window.endMillis())
                - Math.max(start, window.startMillis())) / 1000.0;
        List<StepPoint> steps = new ArrayList<>();
        for (StepWindow s : window.steps()) {
            if (step.isPresent() && !step.get().equals(s.step())) {
                continue;
            }
            steps.add(new StepPoint(s.step(), s.requests(), s.successes(), s.failed(), s.failures(), s.unsent(),
                    seconds > 0 ? s.requests() / seconds : 0, LatencySummary.of(s.latency())));
        }
        return new Point(start, seconds, window.iterations(), window.droppedIterations(), window.activeVus(), targetRate,
                steps);
    }

    /** The datacenters with points of any workflow. */
    public List<String> datacenters() {
        List<String> names = new ArrayList<>();
        series.values().forEach(byDatacenter -> byDatacenter.keySet().stream().filter(dc -> !names.contains(dc))
                .forEach(names::add));
        return names;
    }

    /** Points kept, over every workflow and datacenter. */
    public int size() {
        return series.values().stream().flatMap(byDatacenter -> byDatacenter.values().stream())
                .mapToInt(stored -> stored.points.size()).sum();
    }

    /** One source's points at a coarser resolution: points of one source, one after another. */
    private static TreeMap<Long, WorkflowWindow> rebucket(NavigableMap<Long, WorkflowWindow> points, long resolution) {
        TreeMap<Long, WorkflowAccumulator> coarser = new TreeMap<>();
        points.forEach((start, window) -> coarser.computeIfAbsent(bucket(start, resolution),
                s -> new WorkflowAccumulator(window.workflow())).addLater(window));
        TreeMap<Long, WorkflowWindow> windows = new TreeMap<>();
        coarser.forEach((start, accumulator) -> windows.put(start, accumulator.toWindow()));
        return windows;
    }

    private static long bucket(long millis, long resolution) {
        return Math.floorDiv(millis, resolution) * resolution;
    }

    private static long ceil(long value, long multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }
}
