package io.stampede.model.security;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs the records a cluster writes to Kafka and checks the ones it reads, with a key every node
 * shares: an HMAC-SHA256 of the record's Kafka key and value, in the header {@link #HEADER}. With
 * it, whoever can write a topic but does not hold the key cannot make a node apply anything: a
 * job, a dispatch, a fence, a result. A second key may be accepted while keys are rolled over
 * (never signed with), and unsigned records while signing is switched on in a running cluster.
 * Off (no key): nothing is signed or checked. Thread-safe: each thread uses its own MACs.
 */
public final class RecordSigning {

    /** The Kafka header holding a record's MAC. */
    public static final String HEADER = "stampede-mac";
    /** The shortest key accepted, in bytes of its UTF-8 text. */
    public static final int MIN_KEY_BYTES = 16;

    /** Why a record was refused. Metric tags, so the names are stable. */
    public enum Refusal {
        /** Signing is on and the record carries no MAC. */
        UNSIGNED,
        /** The record's MAC is not one of an accepted key's: written without the key, or changed since. */
        FORGED
    }

    private static final RecordSigning OFF = new RecordSigning(List.of(), true);

    /** The accepted keys, the signing one first; empty when off. */
    private final List<SecretKeySpec> keys;
    private final boolean acceptUnsigned;
    private final ThreadLocal<List<Mac>> macs;

    private RecordSigning(List<SecretKeySpec> keys, boolean acceptUnsigned) {
        this.keys = List.copyOf(keys);
        this.acceptUnsigned = acceptUnsigned;
        this.macs = ThreadLocal.withInitial(() -> this.keys.stream().map(RecordSigning::mac).toList());
    }

    /** Nothing signed, nothing checked. */
    public static RecordSigning off() {
        return OFF;
    }

    /**
     * Signing with {@code key}, accepting {@code secondary} too.
     *
     * @throws IllegalArgumentException for a key shorter than {@link #MIN_KEY_BYTES}
     */
    public static RecordSigning of(String key, Optional<String> secondary) {
        return of(key, secondary, false);
    }

    /**
     * As {@link #of(String, Optional)}; with {@code acceptUnsigned}, a record without a MAC is
     * accepted too (one with a wrong MAC never is): while signing is switched on in a running
     * cluster, and for as long as its topics hold records written before.
     */
    public static RecordSigning of(String key, Optional<String> secondary, boolean acceptUnsigned) {
        List<SecretKeySpec> keys = new ArrayList<>();
        keys.add(spec(key));
        secondary.map(RecordSigning::spec).ifPresent(keys::add);
        return new RecordSigning(keys, acceptUnsigned);
    }

    private static SecretKeySpec spec(String key) {
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        if (bytes.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException("a record key needs at least " + MIN_KEY_BYTES + " bytes");
        }
        return new SecretKeySpec(bytes, "HmacSHA256");
    }

    private static Mac mac(SecretKeySpec key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }

    /** Whether records are signed and checked. */
    public boolean on() {
        return !keys.isEmpty();
    }

    /**
     * The MAC of a record with the signing key.
     *
     * @throws IllegalStateException when signing is off
     */
    public byte[] sign(String kafkaKey, byte[] value) {
        if (!on()) {
            throw new IllegalStateException("record signing is off");
        }
        return mac(macs.get().get(0), kafkaKey, value);
    }

    /**
     * Why a record read from Kafka must not be applied, if it must not: always empty when off.
     *
     * @param mac the record's {@link #HEADER}, or null when it has none
     */
    public Optional<Refusal> check(String kafkaKey, byte[] value, byte[] mac) {
        if (!on()) {
            return Optional.empty();
        }
        if (mac == null) {
            return acceptUnsigned ? Optional.empty() : Optional.of(Refusal.UNSIGNED);
        }
        for (Mac accepted : macs.get()) {
            if (MessageDigest.isEqual(mac(accepted, kafkaKey, value), mac)) {
                return Optional.empty();
            }
        }
        return Optional.of(Refusal.FORGED);
    }

    /** The MAC of the key's length, the key and the value, so no two records share an input. */
    private static byte[] mac(Mac mac, String kafkaKey, byte[] value) {
        byte[] key = kafkaKey == null ? new byte[0] : kafkaKey.getBytes(StandardCharsets.UTF_8);
        mac.update(ByteBuffer.allocate(Integer.BYTES).putInt(kafkaKey == null ? -1 : key.length).array());
        mac.update(key);
        if (value != null) {
            mac.update(value);
        }
        return mac.doFinal();
    }
}
