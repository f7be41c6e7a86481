package io.stampede.manager.messaging;

import java.time.Clock;
import java.util.Map;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;

import io.smallrye.common.annotation.Identifier;
import io.stampede.model.security.RecordSigning;
import io.stampede.node.config.NodeIdentity;
import io.stampede.node.protocol.NodeProtocol;
import io.stampede.node.messaging.ConsumerGroups;
import io.stampede.node.messaging.RecordSender;
import io.stampede.node.messaging.Sequences;

/** The manager's Kafka channels: see application.properties for their topics. */
@Singleton
public class ManagerChannels {

    /**
     * Every manager reads all of its datacenter's jobs, dispatch and progress records, in a
     * consumer group of its own: followers keep each job's state as the leader does, ready to
     * take over. The group is new each time the manager starts and reads from the beginning, so
     * a restarted manager rebuilds the state of every job still running rather than resuming
     * after records it no longer remembers.
     */
    @Produces
    @Identifier("manager-datacenter")
    Map<String, Object> datacenterConsumer(NodeIdentity identity) {
        return Map.of("group.id", "stampede-manager-" + identity.id() + "-datacenter-"
                + identity.startedAt().toEpochMilli());
    }

    /** Heartbeats, from the newest: a group of its own, read again at once after a restart. */
    @Produces
    @Identifier("manager-heartbeats")
    Map<String, Object> heartbeatConsumer(NodeIdentity identity) {
        return ConsumerGroups.ofOneNode("stampede-manager-" + identity.id());
    }

    @Produces
    @Singleton
    @Identifier("dispatch")
    RecordSender dispatch(@Channel("dispatch") Emitter<byte[]> emitter, NodeIdentity identity, NodeProtocol protocol,
                Sequences sequences,
                Clock clock, RecordSigning signing) {
        return RecordSender.of(emitter, io.stampede.model.Topics.dispatch(identity.datacenter().orElse("none")),
                identity, protocol, sequences, clock, signing);
    }

    @Produces
    @Singleton
    @Identifier("events")
    RecordSender events(@Channel("events") Emitter<byte[]> emitter, NodeIdentity identity, NodeProtocol protocol,
                Sequences sequences,
                Clock clock, RecordSigning signing) {
        return RecordSender.of(emitter, io.stampede.model.Topics.JOB_EVENTS, identity, protocol, sequences, clock,
                signing);
    }
}
