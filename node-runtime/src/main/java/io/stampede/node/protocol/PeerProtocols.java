package io.stampede.node.protocol;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.stampede.model.wire.Capabilities;
import io.stampede.model.wire.ProtocolVersion;
import io.stampede.node.config.NodeIdentity;

/**
 * The protocol of every peer this node has heard from, by the records it sent: its version, the
 * capabilities it told, and whether this node refuses it (another MAJOR). A refused peer is logged
 * once when first refused, counted
 * ({@code stampede_protocol_refused_records_total}, or {@code stampede_protocol_refused_probes_total}
 * for a gate's probe answers, tagged with the peer's major) and shown in {@code GET /api/v1/node};
 * when it speaks a protocol this node reads again (upgraded or rolled back), it is heard again. A
 * peer not heard from for {@link #FORGET_AFTER} (gone, or replaced by a pod of another name) is
 * forgotten; at most {@value #MAX_PEERS} are kept, the longest unheard going first.
 */
@Singleton
public class PeerProtocols {

    private static final Logger LOG = Logger.getLogger(PeerProtocols.class);
    static final int MAX_PEERS = 4096;
    static final java.time.Duration FORGET_AFTER = java.time.Duration.ofMinutes(10);
    /** The source {@link #refused} is given for a gate's probe answer rather than a record's topic. */
    public static final String PROBE = "probe";
    /** How a record that names no sender is filed. */
    static final String UNNAMED = "(unnamed)";

    private final NodeProtocol self;
    /** What every peer whose records this node reads speaks, by its minimum protocol. */
    private final java.util.Set<String> guaranteed;
    private final String selfId;
    private final MeterRegistry registry;
    private final Clock clock;
    /** Read without a lock by {@link #heard}'s fast path; changed under {@code synchronized (peers)}. */
    private final Map<String, Known> peers = new java.util.concurrent.ConcurrentHashMap<>();

    private static final class Known {
        volatile ProtocolVersion protocol;
        volatile SortedSet<String> capabilities = Capabilities.of(null);
        volatile boolean refused;
        long refusedRecords;
        volatile long lastHeardMillis;
    }

    /**
     * A peer as this node knows it.
     *
     * @param capabilities what it told (empty: nothing yet, or a peer of 4.2 and older)
     * @param negotiated   what this node and it may use together (for a peer of 4.2 and older,
     *                     what its version implies; nothing with a refused peer)
     * @param refused      whether this node refuses its records (another MAJOR)
     * @param refusedRecords records refused from it so far
     */
    public record Peer(String node, String protocol, SortedSet<String> capabilities, SortedSet<String> negotiated,
            boolean refused, long refusedRecords, Instant lastHeard) {
    }

    /**
     * What {@code GET /api/v1/node} shows under {@code protocol}.
     *
     * @param minimum the protocol every peer is taken to speak at least ({@code stampede.protocol.minimum}); null: none
     */
    public record View(String version, String minimum, SortedSet<String> capabilities, int refusedPeers,
            List<Peer> peers) {
    }

    @Inject
    public PeerProtocols(NodeProtocol self, NodeIdentity identity, MeterRegistry registry, Clock clock) {
        this(self, identity.id(), registry, clock);
    }

    public PeerProtocols(NodeProtocol self, String selfId, MeterRegistry registry, Clock clock) {
        this.self = self;
        this.guaranteed = self.guaranteed();
        this.selfId = selfId;
        this.registry = registry;
        this.clock = clock;
        registry.gauge("stampede.protocol.refused.peers", this, PeerProtocols::refusedPeers);
    }

    /** A readable record from {@code sender}, written in {@code protocol}. */
    public void heard(String sender, ProtocolVersion protocol) {
        if (sender.equals(selfId)) {
            return;
        }
        // Every record a node reads comes here: a peer heard as it was only has its time moved on.
        Known heard = peers.get(sender);
        if (heard != null && !heard.refused && protocol.equals(heard.protocol)) {
            heard.lastHeardMillis = clock.millis();
            return;
        }
        synchronized (peers) {
            Known known = known(sender);
            if (known.refused) {
                LOG.infof("hearing %s again: it speaks protocol %s, which this node (%s) reads", sender, protocol,
                        self.version());
                known.refused = false;
            }
            known.protocol = protocol;
            known.lastHeardMillis = clock.millis();
        }
    }

    /** What {@code sender} told it speaks, in a heartbeat, a status record or a probe answer. */
    public void told(String sender, Collection<String> capabilities) {
        if (sender.equals(selfId)) {
            return;
        }
        synchronized (peers) {
            Known known = known(sender);
            known.capabilities = Capabilities.of(capabilities);
            known.lastHeardMillis = clock.millis();
        }
    }

    /** A record refused for its version: from {@code sender} (empty when it names none), written in {@code protocol}. */
    public void refused(String sender, ProtocolVersion protocol, String topic) {
        String peer = sender.isEmpty() ? UNNAMED : sender;
        boolean first;
        synchronized (peers) {
            Known known = known(peer);
            first = !known.refused || !protocol.equals(known.protocol);
            known.refused = true;
            known.protocol = protocol;
            known.refusedRecords++;
            known.lastHeardMillis = clock.millis();
        }
        // The major comes from the peer: beyond 0..99 it is "other", so that no sender can make
        // counters without end.
        String major = protocol == null || protocol.major() < 0 || protocol.major() > 99 ? "other"
                : String.valueOf(protocol.major());
        registry.counter(PROBE.equals(topic) ? "stampede.protocol.refused.probes" : "stampede.protocol.refused.records",
                "major", major).increment();
        if (first) {
            LOG.warnf("refusing the records of %s (first on %s): it speaks protocol %s and this node %s; nodes of"
                    + " different MAJOR versions cannot work together: upgrade or roll back one of them"
                    + " (docs/deployment.md#upgrading)", peer, topic, protocol, self.version());
        }
    }

    int refusedPeers() {
        synchronized (peers) {
            forgetSilent();
            return (int) peers.values().stream().filter(known -> known.refused).count();
        }
    }

    /** The peer's entry, made when new; the longest unheard is forgotten past {@value #MAX_PEERS}. Lock held. */
    private Known known(String peer) {
        Known known = peers.get(peer);
        if (known == null) {
            if (peers.size() >= MAX_PEERS) {
                peers.entrySet().stream().min(Comparator.comparingLong(entry -> entry.getValue().lastHeardMillis))
                        .ifPresent(oldest -> peers.remove(oldest.getKey()));
            }
            known = new Known();
            peers.put(peer, known);
        }
        return known;
    }

    /** Forgets the peers not heard from for {@link #FORGET_AFTER}; called with the lock held. */
    private void forgetSilent() {
        long before = clock.millis() - FORGET_AFTER.toMillis();
        peers.values().removeIf(known -> known.lastHeardMillis < before);
    }

    /**
     * Whether this node and {@code peer} may use {@code capability} together: false for a peer not
     * heard, unless every peer this node reads speaks it ({@link NodeProtocol#guaranteed}).
     */
    public boolean uses(String peer, String capability) {
        if (guaranteed.contains(capability)) {
            return true;
        }
        synchronized (peers) {
            Known known = peers.get(peer);
            return known != null && negotiated(known).contains(capability);
        }
    }

    /** What this node and a peer may use together: nothing with a refused peer. */
    private SortedSet<String> negotiated(Known known) {
        if (known.refused || known.protocol == null) {
            return Capabilities.of(null);
        }
        java.util.SortedSet<String> both = new java.util.TreeSet<>(guaranteed);
        both.addAll(Capabilities.negotiate(self.capabilities(), Capabilities.told(known.capabilities, known.protocol)));
        return java.util.Collections.unmodifiableSortedSet(both);
    }

    public View view() {
        List<Peer> list = new ArrayList<>();
        synchronized (peers) {
            forgetSilent();
            peers.forEach((id, known) -> list.add(new Peer(id, known.protocol == null ? null : known.protocol.toString(),
                    known.capabilities, negotiated(known), known.refused,
                    known.refusedRecords, Instant.ofEpochMilli(known.lastHeardMillis))));
        }
        list.sort(Comparator.comparing(Peer::node));
        return new View(self.version().toString(), self.minimum().map(ProtocolVersion::toString).orElse(null),
                self.capabilities(),
                (int) list.stream().filter(Peer::refused).count(), list);
    }
}
