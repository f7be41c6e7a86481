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
        topics.add(new TopicSpec(DEAD_LETTER, false));
        return topics;
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
     * @param compacted whether the topic keeps only the latest record per key
     */
    public record TopicSpec(String name, boolean compacted) {

        /** The topic's settings: its cleanup policy and {@link #MAX_MESSAGE_BYTES}. */
        public Map<String, String> configs() {
            return Map.of("cleanup.policy", compacted ? "compact" : "delete",
                    "max.message.bytes", Integer.toString(MAX_MESSAGE_BYTES));
        }
    }
}
