package io.stampede.worker.messaging;

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

/** The worker's Kafka channels: see application.properties for their topics. */
@Singleton
public class WorkerChannels {

    /**
     * Every worker reads every dispatch record (each is addressed to one worker), so each worker is
     * its own consumer group, with static membership so a worker restarted under its id reads
     * again at once ({@link ConsumerGroups#ofOneNode}).
     */
    @Produces
    @Identifier("worker-dispatch")
    Map<String, Object> dispatchConsumer(NodeIdentity identity) {
        return ConsumerGroups.ofOneNode("stampede-worker-" + identity.id());
    }

    @Produces
    @Singleton
    @Identifier("progress")
    RecordSender progress(@Channel("progress") Emitter<byte[]> emitter, NodeIdentity identity, NodeProtocol protocol,
                Sequences sequences,
                Clock clock, RecordSigning signing) {
        String topic = io.stampede.model.Topics.progress(identity.datacenter().orElse("none"));
        return RecordSender.of(emitter, topic, identity, protocol, sequences, clock, signing);
    }
}
