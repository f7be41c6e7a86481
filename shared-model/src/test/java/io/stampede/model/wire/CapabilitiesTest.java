package io.stampede.model.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collections;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

class CapabilitiesTest {

    @Test
    void peersUseWhatBothHave() {
        assertThat(Capabilities.negotiate(Capabilities.CURRENT, Set.of("probe", "teleport")))
                .containsExactly("probe");
        assertThat(Capabilities.negotiate(Set.of("probe", "job-queue"), Set.of("job-queue", "teleport")))
                .containsExactly("job-queue");
    }

    @Test
    void namesFromAPeerAreCheckedSortedAndBounded() {
        assertThat(Capabilities.of(List.of("zeta", "alpha", "Bad Name", "", "x".repeat(65), "ok.v2")))
                .containsExactly("alpha", "ok.v2", "zeta");
        assertThat(Capabilities.of(null)).isEmpty();
        assertThat(Capabilities.of(Collections.nCopies(3, "a"))).as("each name once").containsExactly("a");
        List<String> many = java.util.stream.IntStream.range(0, 500).mapToObj(i -> "cap-" + i).toList();
        assertThat(Capabilities.of(many)).hasSize(Capabilities.MAX_COUNT);
    }

    @Test
    void heartbeatsAndStatusCarryThemAndOlderRecordsCarryNone() {
        Payload.WorkerHeartbeat heartbeat = new Payload.WorkerHeartbeat("w", "dc1", 2, 2, "v", 1, null, null,
                List.of("probe", "Nope"));
        assertThat(heartbeat.capabilities()).containsExactly("probe");
        assertThat(new Payload.WorkerHeartbeat("w", "dc1", 2, 2, "v", 1).capabilities()).isEmpty();
        assertThat(new Payload.DatacenterStatus("dc1", "m", 1, 1, 1, 0).capabilities()).isEmpty();
    }

    @Test
    void aPeerThatToldNothingSpeaksWhatItsVersionImplies() {
        assertThat(Capabilities.told(List.of("probe"), new ProtocolVersion(4, 9))).containsExactly("probe");
        assertThat(Capabilities.told(List.of(), new ProtocolVersion(4, 2))).as("what 4.2 had, not what this build has")
                .containsExactly("job-queue", "load-states", "probe", "workflow-release");
        assertThat(Capabilities.told(null, new ProtocolVersion(4, 1))).containsExactly(Capabilities.LOAD_STATES);
        assertThat(Capabilities.told(List.of(), new ProtocolVersion(4, 0))).isEmpty();
        assertThat(Capabilities.told(List.of(), new ProtocolVersion(5, 0))).as("another MAJOR: nothing known").isEmpty();
        assertThat(Capabilities.negotiate(Capabilities.CURRENT, Capabilities.told(List.of(), new ProtocolVersion(4, 1))))
                .as("a 4.1 gate is never sent QUEUED").doesNotContain(Capabilities.JOB_QUEUE);
    }

    @Test
    void aGateTellsItsCapabilitiesWithEveryJobAndAnOlderGatesRecordHasNone() {
        assertThat(new Payload.JobSubmitted("dc1", "{}", java.util.Map.of(), 0).capabilities())
                .containsExactlyElementsOf(Capabilities.CURRENT);
        assertThat(new Payload.JobSubmitted("dc1", "{}", java.util.Map.of(), 0, List.of(), null).capabilities()).isEmpty();
    }

    @Test
    void aMinimumVersionGuaranteesWhatEveryNodeOfItSpeaks() {
        assertThat(Capabilities.since(new ProtocolVersion(4, 6))).as("this build's all")
                .containsExactlyElementsOf(Capabilities.CURRENT);
        assertThat(Capabilities.since(new ProtocolVersion(4, 5))).contains(Capabilities.TERM_STATEMENTS)
                .doesNotContain(Capabilities.OWNERSHIP_STATEMENTS);
        assertThat(Capabilities.since(new ProtocolVersion(4, 4))).doesNotContain(Capabilities.TERM_STATEMENTS)
                .contains(Capabilities.PROBE, Capabilities.JOB_QUEUE);
        assertThat(Capabilities.since(new ProtocolVersion(4, 1))).containsExactly(Capabilities.LOAD_STATES);
        assertThat(Capabilities.since(new ProtocolVersion(4, 0))).isEmpty();
        assertThat(Capabilities.since(new ProtocolVersion(3, 9))).as("another MAJOR").isEmpty();
    }

    @Test
    void versionsAreOrderedByMajorThenMinor() {
        assertThat(new ProtocolVersion(4, 4).before(new ProtocolVersion(4, 5))).isTrue();
        assertThat(new ProtocolVersion(3, 9).before(new ProtocolVersion(4, 0))).isTrue();
        assertThat(new ProtocolVersion(4, 5).before(new ProtocolVersion(4, 5))).isFalse();
        assertThat(new ProtocolVersion(4, 6).before(new ProtocolVersion(4, 5))).isFalse();
        assertThat(new ProtocolVersion(5, 0).before(new ProtocolVersion(4, 9))).isFalse();
    }
}
