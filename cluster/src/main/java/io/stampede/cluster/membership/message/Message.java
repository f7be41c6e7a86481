package io.stampede.cluster.membership.message;

import io.stampede.cluster.coordinates.Coordinate;
import java.util.List;

/**
 * The SWIM messages. Every one names its sender as a fresh ALIVE claim (receiving any message is
 * direct contact with the sender) and piggybacks gossip. Their wire tags are in
 * {@code DatagramCodec} and are append-only.
 */
public sealed interface Message {

    /** The sender's claim about itself. */
    Update sender();

    /** Claims about other members (and possibly about the receiver) riding along. */
    List<Update> gossip();

    /** Are you alive? Carries the sender's coordinate so the receiver can learn from the round trip too. */
    record Ping(long seq, String target, Update sender, Coordinate coordinate, List<Update> gossip) implements Message {
        public Ping {
            gossip = List.copyOf(gossip);
        }
    }

    /**
     * I am alive (or, relayed by an intermediary of an indirect probe, {@code about} is). A direct
     * ack carries the responder's coordinate; a relayed one carries none.
     */
    record Ack(long seq, String about, Update sender, Coordinate coordinate, List<Update> gossip) implements Message {
        public Ack {
            gossip = List.copyOf(gossip);
        }
    }

    /** Please probe {@code target} for me and relay its ack under my {@code seq}. */
    record PingReq(long seq, Update target, Update sender, List<Update> gossip) implements Message {
        public PingReq {
            gossip = List.copyOf(gossip);
        }
    }

    /**
     * Sent by an intermediary whose own probe of the target got no ack in time. It tells the
     * prober that the intermediary, at least, is reachable: Lifeguard uses missing nacks as a sign
     * that the prober itself is the one in trouble.
     */
    record Nack(long seq, Update sender, List<Update> gossip) implements Message {
        public Nack {
            gossip = List.copyOf(gossip);
        }
    }

    /**
     * Part of a full-state exchange (join, periodic anti-entropy, reconnect after a partition,
     * graceful leave). A request is answered with the receiver's own state; a reply is not.
     * Large states are split over several datagrams.
     */
    record Sync(boolean reply, Update sender, List<Update> gossip) implements Message {
        public Sync {
            gossip = List.copyOf(gossip);
        }
    }
}
