package io.stampede.node.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.stampede.cluster.leadership.FenceCheck;
import io.stampede.model.JobId;
import io.stampede.model.security.RecordSigning;
import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.Payload;
import io.stampede.model.wire.Subject;
import io.stampede.node.protocol.NodeProtocol;
import io.stampede.node.protocol.PeerProtocols;

/** A reader's held records: counted when refused, and bounded in bytes as well as in number. */
class FencedRecordsTest {

    private static final String EVENTS = "stampede.jobs.events";
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final RecordInbox inbox = new RecordInbox(registry, DeadLetters.none(), NodeProtocol.current(),
            new PeerProtocols(NodeProtocol.current(), "gate-1", registry, Clock.systemUTC()), RecordSigning.off());
    private final FencedRecords fenced = new FencedRecords(inbox);

    private double refused() {
        var counter = registry.find("stampede.records.rejected").tag("topic", EVENTS)
                .tag("reason", FenceCheck.UNVERIFIED_FENCE).counter();
        return counter == null ? 0 : counter.count();
    }

    private static Envelope record(String sender, long fence, Payload payload) {
        return Envelope.of(Subject.job(JobId.of("job-1")), sender, fence, 1, 0, payload);
    }

    private static Envelope statement(String manager, long term) {
        return Envelope.of(new Subject.Datacenter("dc1"), manager, 0, 1, 0, new Payload.TermStated("dc1", term, 1));
    }

    @Test
    void recordsPastTheByteBoundAreRefusedAtOnceAndTheRestWaitUntilStatedOrRefused() {
        Envelope stated = statement("manager-dc1-1", 3);
        assertThat(fenced.stated(stated, (Payload.TermStated) stated.payload(), 0)).isEmpty();
        Envelope inflated = record("manager-dc1-1", 1L << 40, new Payload.JobCancelRequested("made up"));
        int size = (int) (FencedRecords.MAX_HELD_BYTES / 4);
        List<RecordInbox.Source> held = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            RecordInbox.Source source = new RecordInbox.Source(EVENTS, 0, i);
            assertThat(fenced.admit("dc1", source, new byte[size], inflated, 1_000)).isFalse();
            held.add(source);
        }
        assertThat(refused()).as("64 MiB wait: none refused yet").isZero();
        assertThat(fenced.admit("dc1", new RecordInbox.Source(EVENTS, 0, 4), new byte[1], inflated, 1_000)).isFalse();
        assertThat(refused()).as("one byte more").isEqualTo(1);
        assertThat(fenced.admit("dc1", new RecordInbox.Source(EVENTS, 0, 5), new byte[size], record("manager-dc1-1",
                3, new Payload.JobCancelRequested("under the stated term")), 1_000)).as("applied now").isTrue();

        // The manager goes on stating its term; 20 s after they came, the held records are refused and their room freed.
        Envelope again = statement("manager-dc1-1", 3);
        fenced.stated(again, (Payload.TermStated) again.payload(), 15_000);
        assertThat(fenced.expire(1_000 + FenceCheck.WAIT_MILLIS)).isEmpty();
        assertThat(refused()).isEqualTo(5);
        assertThat(fenced.admit("dc1", new RecordInbox.Source(EVENTS, 0, 6), new byte[size], inflated, 22_000))
                .as("held again, in the room freed").isFalse();
        assertThat(refused()).isEqualTo(5);
    }
}
