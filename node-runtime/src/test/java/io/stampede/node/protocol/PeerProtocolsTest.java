package io.stampede.node.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.stampede.model.wire.Capabilities;
import io.stampede.model.wire.ProtocolVersion;
import io.stampede.node.config.NodeConfig;

class PeerProtocolsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final java.util.concurrent.atomic.AtomicLong nowMillis = new java.util.concurrent.atomic.AtomicLong(100_000);
    private final PeerProtocols peers = new PeerProtocols(NodeProtocol.current(), "gate-0", registry, new Clock() {
        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(nowMillis.get());
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    });

    @Test
    void whatBothSidesHaveIsWhatTheyMayUseAndAnOlderPeerHasWhatItsVersionImplies() {
        peers.heard("manager-a", new ProtocolVersion(4, 9));
        peers.told("manager-a", List.of(Capabilities.PROBE, "teleport"));
        peers.heard("manager-b", new ProtocolVersion(4, 1));
        peers.heard("manager-c", new ProtocolVersion(4, 2));

        assertThat(negotiated("manager-a")).as("teleport is not this node's").containsExactly(Capabilities.PROBE);
        assertThat(negotiated("manager-b")).containsExactly(Capabilities.LOAD_STATES);
        assertThat(negotiated("manager-c")).containsExactly(Capabilities.JOB_QUEUE, Capabilities.LOAD_STATES,
                Capabilities.PROBE, Capabilities.WORKFLOW_RELEASE);
        assertThat(peers.uses("manager-a", Capabilities.PROBE)).isTrue();
        assertThat(peers.uses("manager-c", Capabilities.TERM_STATEMENTS)).as("4.2 had no term statements").isFalse();
        assertThat(peers.uses("manager-z", Capabilities.PROBE)).as("a peer not heard").isFalse();
    }

    @Test
    void aRefusedPeerIsHeardAgainOnceItSpeaksThisMajor() {
        peers.told("worker-5", List.of(Capabilities.PROBE));
        peers.refused("worker-5", new ProtocolVersion(5, 0), "t");
        assertThat(negotiated("worker-5")).as("nothing is used with a refused peer").isEmpty();
        assertThat(peers.refusedPeers()).isEqualTo(1);
        assertThat(registry.find("stampede.protocol.refused.peers").gauge().value()).isEqualTo(1);

        peers.heard("worker-5", new ProtocolVersion(4, 3));

        assertThat(peers.refusedPeers()).isZero();
        assertThat(peers.view().peers().get(0).protocol()).isEqualTo("4.3");
        assertThat(negotiated("worker-5")).containsExactly(Capabilities.PROBE);
    }

    private java.util.SortedSet<String> negotiated(String peer) {
        return peers.view().peers().stream().filter(known -> known.node().equals(peer)).findFirst().orElseThrow()
                .negotiated();
    }

    @Test
    void aPeerUnheardForTenMinutesIsForgottenSoARefusalEndsWithThePeer() {
        peers.refused("worker-5", new ProtocolVersion(5, 0), "t");
        peers.heard("worker-4", ProtocolVersion.CURRENT);
        nowMillis.addAndGet(PeerProtocols.FORGET_AFTER.toMillis() - 1);
        peers.heard("worker-4", ProtocolVersion.CURRENT);
        assertThat(peers.refusedPeers()).isEqualTo(1);

        nowMillis.addAndGet(2);

        assertThat(peers.refusedPeers()).isZero();
        assertThat(peers.view().peers()).extracting(PeerProtocols.Peer::node).containsExactly("worker-4");
    }

    @Test
    void aProbeAnswerIsCountedApartAndAnAbsurdMajorUnderOneTag() {
        peers.refused("manager-a", new ProtocolVersion(5, 0), PeerProtocols.PROBE);
        peers.refused("worker-x", new ProtocolVersion(12345, 0), "t");

        assertThat(registry.find("stampede.protocol.refused.probes").tag("major", "5").counter().count()).isEqualTo(1);
        assertThat(registry.find("stampede.protocol.refused.records").tag("major", "other").counter().count())
                .isEqualTo(1);
    }

    @Test
    void itsOwnRecordsAndUnnamedSendersAreFiledSoAndThePeersAreBounded() {
        peers.heard("gate-0", ProtocolVersion.CURRENT);
        peers.refused("", new ProtocolVersion(9, 0), "t");
        assertThat(peers.view().peers()).extracting(PeerProtocols.Peer::node).containsExactly(PeerProtocols.UNNAMED);

        for (int i = 0; i < PeerProtocols.MAX_PEERS + 10; i++) {
            peers.heard("worker-" + i, ProtocolVersion.CURRENT);
        }
        assertThat(peers.view().peers()).hasSize(PeerProtocols.MAX_PEERS);
    }

    @Test
    void theSettingsClaimAnotherVersionAndMoreCapabilitiesOrSayWhatIsWrong() {
        NodeConfig.Protocol newer = config(Optional.of("4.9"), Optional.of(List.of("x-shiny")));
        assertThat(NodeProtocol.problems(newer)).isEmpty();
        assertThat(NodeProtocol.of(newer).version()).isEqualTo(new ProtocolVersion(4, 9));
        assertThat(NodeProtocol.of(newer).capabilities()).contains("x-shiny").containsAll(Capabilities.CURRENT);
        assertThat(NodeProtocol.of(config(Optional.empty(), Optional.empty()))).isEqualTo(NodeProtocol.current());

        assertThat(NodeProtocol.problems(config(Optional.of("five"), Optional.of(List.of("Bad Name")))))
                .containsExactly("stampede.protocol.version: 'five' is not a protocol version MAJOR.MINOR",
                        "stampede.protocol.extra-capabilities: 'Bad Name' is not a capability name: use up to 64"
                                + " lower-case letters, digits, '.' and '-'");
    }

    @Test
    void aMinimumIsAMinorOfTheNodesOwnAtOrBelowIt() {
        NodeConfig.Protocol strict = config(Optional.empty(), Optional.empty(), Optional.of("4.6"));
        assertThat(NodeProtocol.problems(strict)).isEmpty();
        NodeProtocol protocol = NodeProtocol.of(strict);
        assertThat(protocol.minimum()).contains(new ProtocolVersion(4, 6));
        assertThat(protocol.guaranteed()).containsExactlyElementsOf(Capabilities.CURRENT);
        assertThat(NodeProtocol.current().guaranteed()).as("no minimum: nothing taken for granted").isEmpty();

        assertThat(NodeProtocol.problems(config(Optional.empty(), Optional.empty(), Optional.of("latest"))))
                .containsExactly("stampede.protocol.minimum: 'latest' is not a protocol version MAJOR.MINOR");
        assertThat(NodeProtocol.problems(config(Optional.empty(), Optional.empty(), Optional.of("4.9"))))
                .containsExactly("stampede.protocol.minimum: 4.9 must be 4.x, no newer than this node's 4.6 (every"
                        + " node of the cluster runs it at least)");
        assertThat(NodeProtocol.problems(config(Optional.empty(), Optional.empty(), Optional.of("3.0")))).hasSize(1);
        assertThat(NodeProtocol.problems(config(Optional.of("4.9"), Optional.empty(), Optional.of("4.9"))))
                .as("a node claiming 4.9 may require it").isEmpty();
    }

    @Test
    void withAMinimumWhatEveryNodeOfItSpeaksIsUsedWithEveryPeerWhateverItTold() {
        PeerProtocols strict = new PeerProtocols(NodeProtocol.of(config(Optional.empty(), Optional.empty(),
                Optional.of("4.5"))), "manager-1", registry, Clock.systemUTC());
        strict.heard("gate-1", new ProtocolVersion(4, 5));
        strict.told("gate-1", List.of());
        assertThat(strict.uses("gate-1", Capabilities.TERM_STATEMENTS)).as("told nothing, taken at 4.5").isTrue();
        assertThat(strict.uses("worker-never-heard", Capabilities.TERM_STATEMENTS)).isTrue();
        assertThat(peers.uses("gate-9", Capabilities.TERM_STATEMENTS)).as("no minimum: only a peer that told it").isFalse();
        assertThat(strict.view().minimum()).isEqualTo("4.5");
        assertThat(peers.view().minimum()).isNull();

        strict.heard("worker-passing-as-old", new ProtocolVersion(4, 4));
        assertThat(strict.uses("worker-passing-as-old", Capabilities.TERM_STATEMENTS)).as("not believed").isTrue();
        assertThat(strict.view().peers()).filteredOn(peer -> peer.node().equals("worker-passing-as-old"))
                .singleElement().satisfies(peer -> assertThat(peer.negotiated()).contains(Capabilities.TERM_STATEMENTS));
    }

    private static NodeConfig.Protocol config(Optional<String> version, Optional<List<String>> extra) {
        return config(version, extra, Optional.empty());
    }

    private static NodeConfig.Protocol config(Optional<String> version, Optional<List<String>> extra,
            Optional<String> minimum) {
        return new NodeConfig.Protocol() {
            @Override
            public Optional<String> minimum() {
                return minimum;
            }

            @Override
            public Optional<String> version() {
                return version;
            }

            @Override
            public Optional<List<String>> extraCapabilities() {
                return extra;
            }
        };
    }
}
