package io.stampede.cluster.membership.message;

import io.stampede.cluster.coordinates.Coordinate;
import io.stampede.cluster.membership.Member;
import io.stampede.cluster.membership.MemberState;
import io.stampede.cluster.net.HostPort;
import io.stampede.model.NodeRole;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary form of SWIM message bodies: compact, so that a 1400-byte datagram holds a few dozen
 * gossiped claims. Strings are a length byte and UTF-8; numbers that are usually small are
 * variable-length; coordinates are floats. Type tags, state codes and role codes are append-only:
 * they are the protocol.
 */
public final class Wire {

    /** Message type tags. Append only. */
    static final byte PING = 1;
    static final byte ACK = 2;
    static final byte PING_REQ = 3;
    static final byte NACK = 4;
    static final byte SYNC = 5;

    private static final MemberState[] STATES = {
        null, MemberState.ALIVE, MemberState.SUSPECT, MemberState.DEAD, MemberState.LEFT,
    };
    private static final NodeRole[] ROLES = {NodeRole.GATE, NodeRole.MANAGER, NodeRole.WORKER};
    private static final int MAX_DIMENSIONS = 16;
    private static final ThreadLocal<ByteBuffer> SCRATCH = ThreadLocal.withInitial(() -> ByteBuffer.allocate(64 * 1024));

    private Wire() {
    }

    /** Thrown when bytes are not a well-formed message. */
    public static final class MalformedException extends Exception {
        public MalformedException(String message) {
            super(message, null, false, false);
        }
    }

    /** Encoded size of one claim, in bytes. */
    public static int sizeOf(Update update) {
        ByteBuffer buffer = SCRATCH.get().clear();
        writeUpdate(buffer, update);
        return buffer.position();
    }

    /** Encoded size of a message body, in bytes. */
    public static int sizeOf(Message message) {
        ByteBuffer buffer = SCRATCH.get().clear();
        write(buffer, message);
        return buffer.position();
    }

    /** Writes a message body: its type tag, its fields, then its gossip. */
    public static void write(ByteBuffer out, Message message) {
        if (message instanceof Message.Ping ping) {
            out.put(PING);
            writeVarLong(out, ping.seq());
            writeString(out, ping.target());
            writeUpdate(out, ping.sender());
            writeCoordinate(out, ping.coordinate());
        } else if (message instanceof Message.Ack ack) {
            out.put(ACK);
            writeVarLong(out, ack.seq());
            writeString(out, ack.about());
            writeUpdate(out, ack.sender());
            writeCoordinate(out, ack.coordinate());
        } else if (message instanceof Message.PingReq request) {
            out.put(PING_REQ);
            writeVarLong(out, request.seq());
            writeUpdate(out, request.target());
            writeUpdate(out, request.sender());
        } else if (message instanceof Message.Nack nack) {
            out.put(NACK);
            writeVarLong(out, nack.seq());
            writeUpdate(out, nack.sender());
        } else if (message instanceof Message.Sync sync) {
            out.put(SYNC);
            out.put((byte) (sync.reply() ? 1 : 0));
            writeUpdate(out, sync.sender());
        } else {
            throw new IllegalArgumentException("unknown message " + message);
        }
        List<Update> gossip = message.gossip();
        writeVarLong(out, gossip.size());
        for (Update update : gossip) {
            writeUpdate(out, update);
        }
    }

    /** Reads a message body written by {@link #write}; the buffer must hold exactly one. */
    public static Message read(ByteBuffer in) throws MalformedException {
        try {
            byte type = in.get();
            Message message;
            switch (type) {
                case PING -> {
                    long seq = readVarLong(in);
                    String target = readString(in);
                    Update sender = readUpdate(in);
                    message = new Message.Ping(seq, target, sender, readCoordinate(in), readGossip(in));
                }
                case ACK -> {
                    long seq = readVarLong(in);
                    String about = readString(in);
                    Update sender = readUpdate(in);
                    message = new Message.Ack(seq, about, sender, readCoordinate(in), readGossip(in));
                }
                case PING_REQ -> {
                    long seq = readVarLong(in);
                    Update target = readUpdate(in);
                    message = new Message.PingReq(seq, target, readUpdate(in), readGossip(in));
                }
                case NACK -> {
                    long seq = readVarLong(in);
                    message = new Message.Nack(seq, readUpdate(in), readGossip(in));
                }
                case SYNC -> {
                    boolean reply = in.get() != 0;
                    message = new Message.Sync(reply, readUpdate(in), readGossip(in));
                }
                default -> throw new MalformedException("unknown message type " + type);
            }
            if (in.hasRemaining()) {
                throw new MalformedException(in.remaining() + " bytes after the message");
            }
            if (message.sender().state() != MemberState.ALIVE) {
                throw new MalformedException("a sender must claim to be alive");
            }
            return message;
        } catch (BufferUnderflowException e) {
            throw new MalformedException("truncated");
        } catch (IllegalArgumentException e) {
            throw new MalformedException(e.getMessage());
        }
    }

    private static List<Update> readGossip(ByteBuffer in) throws MalformedException {
        long count = readVarLong(in);
        // Each claim takes well over 8 bytes, so a count beyond this cannot be honest.
        if (count > in.remaining() / 8 + 1) {
            throw new MalformedException("gossip count " + count + " does not fit the datagram");
        }
        List<Update> gossip = new ArrayList<>((int) count);
        for (int i = 0; i < count; i++) {
            gossip.add(readUpdate(in));
        }
        return gossip;
    }

    static void writeUpdate(ByteBuffer out, Update update) {
        Member member = update.member();
        writeString(out, member.id());
        writeString(out, member.address().host());
        out.putShort((short) member.address().port());
        out.put((byte) member.role().ordinal());
        writeString(out, member.datacenter());
        out.put((byte) update.state().ordinal());
        writeVarLong(out, update.incarnation());
        writeString(out, update.from());
    }

    static Update readUpdate(ByteBuffer in) throws MalformedException {
        String id = readString(in);
        String host = readString(in);
        int port = Short.toUnsignedInt(in.getShort());
        int role = in.get();
        String datacenter = readString(in);
        int state = in.get();
        long incarnation = readVarLong(in);
        String from = readString(in);
        if (role < 0 || role >= ROLES.length) {
            throw new MalformedException("unknown role " + role);
        }
        if (state <= 0 || state >= STATES.length) {
            throw new MalformedException("unknown state " + state);
        }
        return new Update(new Member(id, new HostPort(host, port), ROLES[role], datacenter), STATES[state],
                incarnation, from);
    }

    private static void writeCoordinate(ByteBuffer out, Coordinate coordinate) {
        if (coordinate == null) {
            out.put((byte) 0);
            return;
        }
        double[] vector = coordinate.vector();
        out.put((byte) vector.length);
        for (double x : vector) {
            out.putFloat((float) x);
        }
        out.putFloat((float) coordinate.error());
        out.putFloat((float) coordinate.adjustment());
        out.putFloat((float) coordinate.height());
    }

    private static Coordinate readCoordinate(ByteBuffer in) throws MalformedException {
        int dimensions = in.get();
        if (dimensions == 0) {
            return null;
        }
        if (dimensions < 0 || dimensions > MAX_DIMENSIONS) {
            throw new MalformedException("a coordinate cannot have " + dimensions + " dimensions");
        }
        double[] vector = new double[dimensions];
        for (int i = 0; i < dimensions; i++) {
            vector[i] = finite(in.getFloat());
        }
        return new Coordinate(vector, finite(in.getFloat()), finite(in.getFloat()), finite(in.getFloat()));
    }

    private static double finite(float value) throws MalformedException {
        if (!Float.isFinite(value)) {
            throw new MalformedException("a coordinate must be finite");
        }
        return value;
    }

    private static void writeString(ByteBuffer out, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 255) {
            throw new IllegalArgumentException("longer than 255 bytes: " + value);
        }
        out.put((byte) bytes.length);
        out.put(bytes);
    }

    private static String readString(ByteBuffer in) {
        byte[] bytes = new byte[Byte.toUnsignedInt(in.get())];
        in.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static void writeVarLong(ByteBuffer out, long value) {
        while ((value & ~0x7FL) != 0) {
            out.put((byte) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.put((byte) value);
    }

    private static long readVarLong(ByteBuffer in) throws MalformedException {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = in.get();
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                if (value < 0) {
                    throw new MalformedException("negative number");
                }
                return value;
            }
        }
        throw new MalformedException("number too long");
    }
}
