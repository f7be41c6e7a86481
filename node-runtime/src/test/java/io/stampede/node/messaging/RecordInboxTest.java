package io.stampede.node.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.stampede.model.NodeRole;
import io.stampede.model.security.RecordRoles;
import io.stampede.model.security.RecordSigning;
import io.stampede.model.wire.Capabilities;
import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.Payload;
import io.stampede.model.wire.ProtocolVersion;
import io.stampede.model.wire.RecordCodec;
import io.stampede.model.wire.Subject;
import io.stampede.node.protocol.NodeProtocol;
import io.stampede.node.protocol.PeerProtocols;

class RecordInboxTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final PeerProtocols peers = new PeerProtocols(NodeProtocol.current(), "manager-1", registry,
            Clock.systemUTC());
    private final RecordInbox inbox = new RecordInbox(registry, DeadLetters.none(), NodeProtocol.current(), peers,
            RecordSigning.off());

    private double rejected(String topic, String reason) {
        var counter = registry.find("stampede.records.rejected").tag("topic", topic).tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void aRecordThatFailsToApplyIsCountedAndTheConsumerCarriesOn() {
        ConsumerRecord<String, byte[]> record = new ConsumerRecord<>("stampede.jobs.events", 2, 41, "job-1",
                "{}".getBytes(StandardCharsets.UTF_8));
        int[] applied = {0};

        inbox.apply(record, () -> {
            throw new IllegalStateException("a window for a workflow nobody knows");
        });
        inbox.apply(record, () -> applied[0]++);

        assertThat(rejected("stampede.jobs.events", RecordInbox.UNAPPLICABLE)).isEqualTo(1);
        assertThat(applied[0]).isEqualTo(1);
        assertThat(RecordInbox.Source.of(record)).hasToString("stampede.jobs.events/2@41");
    }

    @Test
    void anUnreadableRecordIsCountedByReasonAndNotOpened() {
        var source = new RecordInbox.Source("stampede.dc.dc1.progress", 0, 7);

        assertThat(inbox.open(source, "not a record".getBytes(StandardCharsets.UTF_8))).isEmpty();

        assertThat(rejected("stampede.dc.dc1.progress", "NOT_JSON")).isEqualTo(1);
    }

    @Test
    void withAMinimumProtocolItsCapabilitiesAreGuaranteed() {
        NodeProtocol strict = new NodeProtocol(ProtocolVersion.CURRENT, Capabilities.CURRENT,
                Optional.of(ProtocolVersion.CURRENT));
        RecordInbox strictInbox = new RecordInbox(registry, DeadLetters.none(), strict,
                new PeerProtocols(strict, "manager-1", registry, Clock.systemUTC()), RecordSigning.off());
        assertThat(strictInbox.guaranteed(Capabilities.TERM_STATEMENTS)).isTrue();
        assertThat(inbox.guaranteed(Capabilities.TERM_STATEMENTS)).as("no minimum").isFalse();
    }

    @Test
    void aPeerOfAnotherMajorIsRefusedAndShownAndOneOfANewerMinorIsHeard() {
        var source = new RecordInbox.Source("stampede.dc.dc1.progress", 0, 8);
        Payload heartbeat = new Payload.WorkerHeartbeat("worker-5", "dc1", 2, 2, "v", 1);
        byte[] fifth = RecordCodec.encode(Envelope.of(new Subject.Node("worker-5"), "worker-5", 0, 1, 0, heartbeat,
                new ProtocolVersion(5, 0)));
        byte[] newer = RecordCodec.encode(Envelope.of(new Subject.Node("worker-4"), "worker-4", 0, 1, 0,
                new Payload.WorkerHeartbeat("worker-4", "dc1", 2, 2, "v", 1), new ProtocolVersion(4, 9)));

        assertThat(inbox.open(source, fifth)).isEmpty();
        assertThat(inbox.open(source, fifth)).isEmpty();
        assertThat(inbox.open(source, newer)).isPresent();

        assertThat(rejected("stampede.dc.dc1.progress", "INCOMPATIBLE_VERSION")).isEqualTo(2);
        assertThat(registry.find("stampede.protocol.refused.records").tag("major", "5").counter().count()).isEqualTo(2);
        PeerProtocols.View view = peers.view();
        assertThat(view.refusedPeers()).isEqualTo(1);
        assertThat(view.peers()).extracting(PeerProtocols.Peer::node, PeerProtocols.Peer::protocol,
                PeerProtocols.Peer::refused, PeerProtocols.Peer::refusedRecords)
                .containsExactly(tuple("worker-4", "4.9", false, 0L), tuple("worker-5", "5.0", true, 2L));
    }

    @Test
    void whenRecordsAreSignedOnlyThoseWithTheMacOfAnAcceptedKeyAreAppliedAndTheOthersAreCountedOnce() {
        RecordSigning current = RecordSigning.of("the-cluster's-record-key", Optional.of("last-month's-record-key"));
        RecordInbox signed = new RecordInbox(registry, DeadLetters.none(), NodeProtocol.current(), peers, current);
        byte[] value = "{}".getBytes(StandardCharsets.UTF_8);
        List<String> applied = new ArrayList<>();

        signed.apply(record("job-1", value, current.sign("job-1", value)), () -> applied.add("signed"));
        signed.apply(record("job-1", value, RecordSigning.of("last-month's-record-key", Optional.empty())
                .sign("job-1", value)), () -> applied.add("secondary"));
        signed.apply(record("job-1", value, null), () -> applied.add("unsigned"));
        signed.apply(record("job-1", value, RecordSigning.of("somebody-else's-key", Optional.empty())
                .sign("job-1", value)), () -> applied.add("other key"));
        signed.apply(record("job-2", value, current.sign("job-1", value)), () -> applied.add("moved to another key"));
        signed.applyAlso(record("job-1", value, null), () -> applied.add("unsigned, second reader"));

        assertThat(applied).containsExactly("signed", "secondary");
        assertThat(rejected("stampede.jobs.events", "UNSIGNED")).isEqualTo(1);
        assertThat(rejected("stampede.jobs.events", "FORGED")).isEqualTo(2);
    }

    @Test
    void withRoleSignaturesADispatchIsAppliedOnlyWhenAManagerSignedItAndTheOthersAreCountedByReason() {
        Map<NodeRole, List<String>> keys = RecordRoles.generate();
        RecordSigning cluster = RecordSigning.of("the-cluster's-record-key", Optional.empty());
        RecordSigning worker = cluster.withRoles(RecordRoles.of(RecordRoles.publicEntries(keys),
                Optional.of(NodeRole.WORKER), Optional.of(keys.get(NodeRole.WORKER).get(0))));
        RecordSigning manager = cluster.withRoles(RecordRoles.of(RecordRoles.publicEntries(keys),
                Optional.of(NodeRole.MANAGER), Optional.of(keys.get(NodeRole.MANAGER).get(0))));
        RecordInbox inbox = new RecordInbox(registry, DeadLetters.none(), NodeProtocol.current(), peers, worker);
        byte[] value = "{}".getBytes(StandardCharsets.UTF_8);
        String dispatch = io.stampede.model.Topics.dispatch("dc1");
        List<String> applied = new ArrayList<>();

        inbox.apply(record(dispatch, "job-1", value, manager.headers(dispatch, "job-1", value)),
                () -> applied.add("manager's"));
        inbox.apply(record(dispatch, "job-1", value, worker.headers(dispatch, "job-1", value)),
                () -> applied.add("worker's"));
        inbox.apply(record(dispatch, "job-1", value, cluster.headers(dispatch, "job-1", value)),
                () -> applied.add("MAC only"));
        Map<String, byte[]> claimed = new java.util.HashMap<>(worker.headers(dispatch, "job-1", value));
        claimed.put(RecordRoles.ROLE_HEADER, "manager".getBytes(StandardCharsets.UTF_8));
        inbox.apply(record(dispatch, "job-1", value, claimed), () -> applied.add("a worker claiming to be a manager"));

        assertThat(applied).containsExactly("manager's");
        assertThat(rejected(dispatch, "WRONG_ROLE")).isEqualTo(1);
        assertThat(rejected(dispatch, "UNSIGNED")).isEqualTo(1);
        assertThat(rejected(dispatch, "FORGED")).isEqualTo(1);
    }

    private static ConsumerRecord<String, byte[]> record(String topic, String key, byte[] value,
            Map<String, byte[]> headers) {
        ConsumerRecord<String, byte[]> record = new ConsumerRecord<>(topic, 0, 1, key, value);
        headers.forEach(record.headers()::add);
        return record;
    }

    private static ConsumerRecord<String, byte[]> record(String key, byte[] value, byte[] mac) {
        ConsumerRecord<String, byte[]> record = new ConsumerRecord<>("stampede.jobs.events", 0, 1, key, value);
        if (mac != null) {
            record.headers().add(RecordSigning.HEADER, mac);
        }
        return record;
    }
}
