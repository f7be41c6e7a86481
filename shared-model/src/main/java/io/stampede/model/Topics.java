package io.stampede.model;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Kafka topic names. Every record on every topic is keyed by job id, so one job's records stay in
 * order on one partition.
 */
public final class Topics {

    /** Progress, results and status of every job, for gates, clients and any other reader. */
    public static final String JOB_EVENTS = "stampede.jobs.events";

    /**
     * Each finished job's results, keyed by job id and compacted (the latest record per job is
     * kept), deleted after {@link #RESULTS_RETENTION_MILLIS}: what a gate serves for a job it no
     * longer holds in memory, after a restart too.
     */
    public static final String JOB_RESULTS = "stampede.jobs.results";

    /** How long {@link #JOB_RESULTS} keeps a job's results: 7 days (the topic's {@code retention.ms}). */
    public static final long RESULTS_RETENTION_MILLIS = 7L * 24 * 60 * 60 * 1000;

    /**
     * Records a node rejected, copied as they were read, with headers saying where they came from
     * and why ({@code stampede.kafka.dead-letter}); nothing in Stampede reads it.
     */
    public static final String DEAD_LETTER = "stampede.deadletter";

    /**
     * The largest message every Stampede topic takes ({@code max.message.bytes}) and every node's
     * producer sends ({@code max.request.size}): a record of {@code RecordCodec.MAX_RECORD_BYTES}
     * (8 MiB) plus 64 KiB for the key, headers and batch.
     */
    public static final int MAX_MESSAGE_BYTES = 8 * 1024 * 1024 + 64 * 1024;

    private Topics() {
    }

    /** Gate to the managers of {@code datacenter}: submitted jobs, cancels, global timeouts. */
    public static String jobs(String datacenter) {
        return datacenterTopic(datacenter, "jobs");
    }

    /** Manager leader to the workers of {@code datacenter}: workflow dispatch and cancel. */
    public static String dispatch(String datacenter) {
        return datacenterTopic(datacenter, "dispatch");
    }

    /** Workers of {@code datacenter} to their manager leader: windowed statistics, final results. */
    public static String progress(String datacenter) {
        return datacenterTopic(datacenter, "progress");
    }

    /** Every topic a cluster with these datacenters uses. */
    public static List<TopicSpec> all(Collection<String> datacenters) {
        List<TopicSpec> topics = new ArrayList<>();
        for (String datacenter : datacenters) {
            topics.add(new TopicSpec(jobs(datacenter), false));
            topics.add(new TopicSpec(dispatch(datacenter), false));
            topics.add(new TopicSpec(progress(datacenter), false));
        }
        topics.add(new TopicSpec(JOB_EVENTS, false));
        topics.add(new TopicSpec(JOB_RESULTS, true));
        topics.add(new TopicSpec(DEAD_LETTER, false));
        return topics;
    }

    /**
     * The datacenter whose topic {@code topic} is (its jobs, dispatch or progress topic); empty for
     * a topic of the whole cluster.
     */
    public static java.util.Optional<String> datacenter(String topic) {
        String prefix = "stampede.dc.";
        int dot = topic.lastIndexOf('.');
        if (!topic.startsWith(prefix) || dot <= prefix.length()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(topic.substring(prefix.length(), dot));
    }

    private static String datacenterTopic(String datacenter, String kind) {
        DatacenterName.problem(datacenter).ifPresent(problem -> {
            throw new IllegalArgumentException("datacenter name " + problem);
        });
        return "stampede.dc." + datacenter + "." + kind;
    }

    /**
     * A topic Stampede needs.
     *
     * @param name      the topic name
     * @param compacted whether the topic keeps only the latest record per key (and deletes
     *                  records older than {@link #RESULTS_RETENTION_MILLIS})
     */
    public record TopicSpec(String name, boolean compacted) {

        /**
         * The topic's settings: its cleanup policy, {@link #MAX_MESSAGE_BYTES}, and for a compacted
         * topic its retention; other topics keep the broker's.
         */
        public Map<String, String> configs() {
            if (compacted) {
                return Map.of("cleanup.policy", "compact,delete", "retention.ms", Long.toString(RESULTS_RETENTION_MILLIS),
                        "max.message.bytes", Integer.toString(MAX_MESSAGE_BYTES));
            }
            return Map.of("cleanup.policy", "delete", "max.message.bytes", Integer.toString(MAX_MESSAGE_BYTES));
        }
    }
}
