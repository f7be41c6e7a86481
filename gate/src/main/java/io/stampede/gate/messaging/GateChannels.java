package io.stampede.gate.messaging;

import java.time.Clock;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.smallrye.common.annotation.Identifier;
import io.stampede.gate.jobs.JobService;
import io.stampede.gate.routing.Router;
import io.stampede.gate.routing.DatacenterRouter;
import io.stampede.model.security.RecordSigning;
import io.stampede.node.config.NodeIdentity;
import io.stampede.node.protocol.NodeProtocol;
import io.stampede.node.messaging.RecordInbox;
import io.stampede.node.messaging.ConsumerGroups;
import io.stampede.node.messaging.RecordSender;
import io.stampede.node.messaging.Sequences;

/** The gate's Kafka channels (topics in application.properties), and its router. */
@ApplicationScoped
public class GateChannels {

    private final JobService jobs;
    private final RecordInbox inbox;

    public GateChannels(JobService jobs, RecordInbox inbox) {
        this.jobs = jobs;
        this.inbox = inbox;
    }

    @Incoming("events")
    public void onEvent(ConsumerRecord<String, byte[]> record) {
        inbox.apply(record, () -> jobs.onEvent(RecordInbox.Source.of(record), record.value()));
    }

    /** Producers and configuration. */
    @Singleton
    public static class Beans {

        /**
         * Every gate reads every event: a consumer group of its own. A gate restarted under its id
         * reads again at once, from where it had got to ({@link ConsumerGroups#ofOneNode}).
         */
        @Produces
        @Identifier("gate-events")
        Map<String, Object> eventsConsumer(NodeIdentity identity) {
            return ConsumerGroups.ofOneNode("stampede-gate-" + identity.id());
        }

        @Produces
        @Singleton
        @Identifier("gate-out")
        RecordSender out(@Channel("gate-out") Emitter<byte[]> emitter, NodeIdentity identity, NodeProtocol protocol,
                Sequences sequences,
                Clock clock, RecordSigning signing) {
            return RecordSender.of(emitter, io.stampede.model.Topics.JOB_EVENTS, identity, protocol, sequences, clock,
                    signing);
        }

        @Produces
        @Singleton
        DatacenterRouter router() {
            return new Router();
        }
    }
}
