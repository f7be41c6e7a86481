package io.stampede.node.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

class SequencesTest {

    @Test
    void oneRisingCounterForEverythingANodeSends() {
        Sequences sequences = new Sequences(Clock.fixed(Instant.ofEpochMilli(1_000), ZoneOffset.UTC));
        assertThat(sequences.next()).isEqualTo(1_000_001);
        assertThat(sequences.next()).isEqualTo(1_000_002);
    }

    @Test
    void aNodeRestartedUnderItsIdNumbersAboveItsPreviousLife() {
        Instant start = Instant.ofEpochMilli(1_700_000_000_000L);
        Sequences before = new Sequences(Clock.fixed(start, ZoneOffset.UTC));
        long last = 0;
        for (int i = 0; i < 500_000; i++) {
            last = before.next();
        }
        Clock oneSecondLater = Clock.fixed(start.plusSeconds(1), ZoneOffset.UTC);
        assertThat(new Sequences(oneSecondLater).next()).as("half a million records sent in the second before the restart")
                .isGreaterThan(last);
    }
}
