package io.stampede.cluster.transport;

import io.stampede.cluster.membership.message.Message;
import io.stampede.cluster.membership.message.Wire;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Frames SWIM messages as datagrams:
 *
 * <pre>
 * 'S' 'W' | version (1 byte) | cluster id (length byte + UTF-8) | flags (1 byte)
 *         | [stamp (8 bytes, ms since the epoch) | nonce (8 bytes)] | body | [HMAC-SHA256, 32 bytes]
 * </pre>
 *
 * The cluster id keeps datacenters' clusters and the gates' cluster from ever merging, even when
 * a port is reused. With a shared key every datagram is signed, stamped with the sender's clock and
 * a random nonce; unsigned, wrongly signed, stale or replayed ones are refused ({@link ReplayGuard}).
 * A second key may be accepted while keys are rolled over (never signed with). Without a key,
 * nothing is signed or checked: for a cluster on one machine's loopback only. Not thread-safe (it
 * holds a MAC).
 */
public final class DatagramCodec {

    /**
     * The membership protocol version; datagrams of any other are dropped. 2: signed datagrams carry
     * a stamp and a nonce (1 had neither).
     */
    public static final byte VERSION = 2;
    private static final byte MAGIC_0 = 'S';
    private static final byte MAGIC_1 = 'W';
    private static final byte SIGNED = 1;
    /** The datagram carries a stamp and a nonce. */
    private static final byte STAMPED = 2;
    private static final int MAC_BYTES = 32;
    private static final int MAX_CLUSTER_ID_BYTES = 64;
    /** How far a signed datagram's stamp may be from the receiver's clock, by default. */
    public static final Duration FRESHNESS = Duration.ofSeconds(30);
    /** Nonces a receiver remembers at most: more than a member receives in a freshness window. */
    static final int REMEMBERED_NONCES = 200_000;

    /** A decoded datagram: either a message or the reason it was dropped. */
    public record Decoded(Message message, DropReason dropped) {
    }

    /**
     * How datagrams are signed and checked.
     *
     * @param key          signs every datagram sent, and is accepted (16 bytes or more)
     * @param secondaryKey also accepted, never signed with (a key rollover), or null
     * @param wallMillis   this node's wall clock, for stamps and their freshness
     * @param random       for nonces
     * @param freshness    how far a stamp may be from this node's clock
     */
    public record Signing(byte[] key, byte[] secondaryKey, LongSupplier wallMillis, RandomGenerator random,
            Duration freshness) {
        public Signing {
            for (byte[] accepted : new byte[][] {key, secondaryKey}) {
                if (accepted != null && accepted.length < 16) {
                    throw new IllegalArgumentException("a membership key needs at least 16 bytes");
                }
            }
            if (key == null) {
                throw new IllegalArgumentException("signing needs a key");
            }
        }

        /** One key, the system clock, a random seeded from the system, the default freshness. */
        public static Signing of(byte[] key) {
            return new Signing(key, null, System::currentTimeMillis, new SplittableRandom(new SecureRandom().nextLong()),
                    FRESHNESS);
        }
    }

    private final byte[] clusterId;
    private final Signing signing;
    private final Mac mac;
    private final Mac secondaryMac;
    private final ReplayGuard replays;
    private final int maxDatagram;

    /**
     * @param key a shared secret for signing, or null for none
     */
    public DatagramCodec(String clusterId, byte[] key, int maxDatagram) {
        this(clusterId, key == null ? null : Signing.of(key), maxDatagram);
    }

    /**
     * @param signing how datagrams are signed and checked, or null for not at all
     */
    public DatagramCodec(String clusterId, Signing signing, int maxDatagram) {
        this.clusterId = clusterId.getBytes(StandardCharsets.UTF_8);
        if (this.clusterId.length == 0 || this.clusterId.length > MAX_CLUSTER_ID_BYTES) {
            throw new IllegalArgumentException("a cluster id takes 1.." + MAX_CLUSTER_ID_BYTES + " bytes: " + clusterId);
        }
        this.maxDatagram = maxDatagram;
        this.signing = signing;
        this.mac = signing == null ? null : mac(signing.key());
        this.secondaryMac = signing == null || signing.secondaryKey() == null ? null : mac(signing.secondaryKey());
        this.replays = signing == null ? null : new ReplayGuard(signing.freshness().toMillis(), REMEMBERED_NONCES);
    }

    private static Mac mac(byte[] key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** Encodes a message into {@code out} (cleared first) and flips it for sending. */
    public ByteBuffer encode(Message message, ByteBuffer out) {
        out.clear();
        out.put(MAGIC_0).put(MAGIC_1).put(VERSION);
        out.put((byte) clusterId.length).put(clusterId);
        out.put(mac == null ? 0 : (byte) (SIGNED | STAMPED));
        if (mac != null) {
            out.putLong(signing.wallMillis().getAsLong()).putLong(signing.random().nextLong());
        }
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
            byte flags = in.get();
            boolean signed = (flags & SIGNED) != 0;
            boolean stamped = (flags & STAMPED) != 0;
            long stamp = 0;
            long nonce = 0;
            if (stamped) {
                stamp = in.getLong();
                nonce = in.getLong();
            }
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
                byte[] actual = new byte[MAC_BYTES];
                in.get(end, actual);
                if (!MessageDigest.isEqual(mac.doFinal(covered), actual)
                        && (secondaryMac == null || !MessageDigest.isEqual(secondaryMac.doFinal(covered), actual))) {
                    return new Decoded(null, DropReason.BAD_SIGNATURE);
                }
                if (!stamped) {
                    return new Decoded(null, DropReason.STALE);
                }
                ReplayGuard.Verdict verdict = replays.check(stamp, nonce, signing.wallMillis().getAsLong());
                if (verdict != ReplayGuard.Verdict.FRESH) {
                    return new Decoded(null, verdict == ReplayGuard.Verdict.STALE ? DropReason.STALE : DropReason.REPLAYED);
                }
            }
            return new Decoded(Wire.read(body), null);
        } catch (BufferUnderflowException | Wire.MalformedException e) {
            return new Decoded(null, DropReason.MALFORMED);
        }
    }
}
