package io.stampede.node.messaging;

import java.util.Map;

/** Kafka consumer settings shared by every role. */
public final class ConsumerGroups {

    private ConsumerGroups() {
    }

    /**
     * A consumer group of one node, with static membership: the group instance is the group's own
     * name, so a node restarted under its id takes its partitions back at once. Without it, the
     * new process would read nothing until the session of its killed predecessor timed out (45 s
     * by default), and would miss everything sent to it in between.
     */
    public static Map<String, Object> ofOneNode(String groupId) {
        return Map.of("group.id", groupId, "group.instance.id", groupId);
    }
}
