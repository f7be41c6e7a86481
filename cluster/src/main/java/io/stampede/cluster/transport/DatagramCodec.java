package io.stampede.cluster.transport;

import io.stampede.cluster.membership.message.Message;
import io.stampede.cluster.membership.message.Wire;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Frames SWIM messages as datagrams:
 *
 * <pre>
 * 'S' 'W' | version (1 byte) | cluster id (length byte + UTF-8) | flags (1 byte) | body | [HMAC-SHA256, 32 bytes]
 * </pre>
 *
 * The cluster id keeps datacenters' clusters and the gates' cluster from ever merging, even when
 * a port is reused. With a shared key every datagram is signed, and unsigned or wrongly signed
 * ones are refused; without a key, signatures are not checked (so a key can be rolled out node by
 * node). Not thread-safe (it holds a MAC).
 */
public final class DatagramCodec {

    /** The membership protocol version; datagrams of any other are dropped. */
    public static final byte VERSION = 1;
    private static final byte MAGIC_0 = 'S';
    private static final byte MAGIC_1 = 'W';
    private static final byte SIGNED = 1;
    private static final int MAC_BYTES = 32;
    private static final int MAX_CLUSTER_ID_BYTES = 64;

    /** A decoded datagram: either a message or the reason it was dropped. */
    public record Decoded(Message message, DropReason dropped) {
    }

    private final byte[] clusterId;
    private final Mac mac;
    private final int maxDatagram;

    /**
     * @param key a shared secret for signing, or null for none
     */
    public DatagramCodec(String clusterId, byte[] key, int maxDatagram) {
        this.clusterId = clusterId.getBytes(StandardCharsets.UTF_8);
        if (this.clusterId.length == 0 || this.clusterId.length > MAX_CLUSTER_ID_BYTES) {
            throw new IllegalArgumentException("a cluster id takes 1.." + MAX_CLUSTER_ID_BYTES + " bytes: " + clusterId);
        }
        this.maxDatagram = maxDatagram;
        if (key == null) {
            this.mac = null;
        } else {
            if (key.length < 16) {
                throw new IllegalArgumentException("a membership key needs at least 16 bytes");
            }
            try {
                this.mac = Mac.getInstance("HmacSHA256");
                this.mac.init(new SecretKeySpec(key, "HmacSHA256"));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is not available", e);
            }
        }
    }

    /** Encodes a message into {@code out} (cleared first) and flips it for sending. */
    public ByteBuffer encode(Message message, ByteBuffer out) {
        out.clear();
        out.put(MAGIC_0).put(MAGIC_1).put(VERSION);
        out.put((byte) clusterId.length).put(clusterId);
        out.put(mac == null ? 0 : SIGNED);
        Wire.write(out, message);
        if (mac != null) {
            mac.update(out.array(), out.arrayOffset(), out.position());
            out.put(mac.doFinal());
        }
        return out.flip();
    }

    /** Decodes one received datagram; never throws. */
    public Decoded decode(ByteBuffer in) {
        if (in.remaining() > maxDatagram) {
            return new Decoded(null, DropReason.OVERSIZED);
        }
        try {
            int start = in.position();
            if (in.get() != MAGIC_0 || in.get() != MAGIC_1) {
                return new Decoded(null, DropReason.MALFORMED);
            }
            if (in.get() != VERSION) {
                return new Decoded(null, DropReason.OTHER_VERSION);
            }
            byte[] cluster = new byte[Byte.toUnsignedInt(in.get())];
            in.get(cluster);
            if (!Arrays.equals(cluster, clusterId)) {
                return new Decoded(null, DropReason.OTHER_CLUSTER);
            }
            boolean signed = (in.get() & SIGNED) != 0;
            ByteBuffer body = in.slice();
            if (signed) {
                if (body.remaining() < MAC_BYTES) {
                    return new Decoded(null, DropReason.MALFORMED);
                }
                body.limit(body.remaining() - MAC_BYTES);
            }
            if (mac != null) {
                if (!signed) {
                    return new Decoded(null, DropReason.UNSIGNED);
                }
                int end = in.limit() - MAC_BYTES;
                byte[] covered = new byte[end - start];
                in.get(start, covered);
                byte[] expected = mac.doFinal(covered);
                byte[] actual = new byte[MAC_BYTES];
                in.get(end, actual);
                if (!MessageDigest.isEqual(expected, actual)) {
                    return new Decoded(null, DropReason.BAD_SIGNATURE);
                }
            }
            return new Decoded(Wire.read(body), null);
        } catch (BufferUnderflowException | Wire.MalformedException e) {
            return new Decoded(null, DropReason.MALFORMED);
        }
    }
}
