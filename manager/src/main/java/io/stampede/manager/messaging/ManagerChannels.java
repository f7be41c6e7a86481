package io.stampede.manager.messaging;

import java.time.Clock;
import java.util.Map;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.apache.kafka.clients.consumer.RangeAssignor;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;

import io.smallrye.common.annotation.Identifier;
import io.stampede.node.config.NodeIdentity;
import io.stampede.node.messaging.RecordSender;

/** The manager's Kafka channels: see application.properties for their topics. */
@Singleton
public class ManagerChannels {

    /**
     * The managers of a datacenter share one consumer group for its jobs and progress topics. The
     * range assignor gives partition N of both topics to the same manager, and a job's records all
     * have its id as key, so the manager that took a job also receives its progress. (Interim,
     * until Raft elects one leader per datacenter.)
     */
    @Produces
    @Identifier("manager-datacenter")
    Map<String, Object> datacenterConsumer(NodeIdentity identity) {
        return Map.of("group.id", "stampede-managers-" + identity.datacenter().orElseThrow(),
                "partition.assignment.strategy", RangeAssignor.class.getName());
    }

    /** Every manager sees every heartbeat: a consumer group of its own. */
    @Produces
    @Identifier("manager-heartbeats")
    Map<String, Object> heartbeatConsumer(NodeIdentity identity) {
        return Map.of("group.id", "stampede-manager-" + identity.id());
    }

    @Produces
    @Singleton
    @Identifier("dispatch")
    RecordSender dispatch(@Channel("dispatch") Emitter<byte[]> emitter, NodeIdentity identity, Clock clock) {
        return RecordSender.of(emitter, identity, clock);
    }

    @Produces
    @Singleton
    @Identifier("events")
    RecordSender events(@Channel("events") Emitter<byte[]> emitter, NodeIdentity identity, Clock clock) {
        return RecordSender.of(emitter, identity, clock);
    }
}
