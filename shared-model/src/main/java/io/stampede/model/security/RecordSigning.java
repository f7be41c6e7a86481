package io.stampede.model.security;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

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
        /**
         * The record's MAC is not one of an accepted key's (written without the key, or changed
         * since), or its role signature is not its role's ({@link RecordRoles}).
         */
        FORGED,
        /** Role signatures are on and the record names no role, or one that does not write its topic. */
        WRONG_ROLE,
        /**
         * The record is signed by a node's own key ({@link NodeCertificate}) and names another node as
         * its sender: a node writing in another's name, or in the name of one that does not exist.
         */
        UNKNOWN_SENDER,
        /**
         * The record is signed by a node's own key, whose certificate names a datacenter, and speaks
         * for another: it is on another datacenter's topic, or, on the events topic, names another
         * datacenter or none.
         */
        OTHER_DATACENTER,
        /**
         * Certificates are required ({@link RecordRoles#requiringCertificates}) and the record carries
         * none (it is signed with a role's own key), or a manager's or a worker's that names no
         * datacenter.
         */
        UNCERTIFIED
    }

    /** What a MAC or a signature is computed over, fed in parts. */
    @FunctionalInterface
    interface Input {
        void update(byte[] bytes) throws GeneralSecurityException;
    }

    private static final RecordSigning OFF = new RecordSigning(List.of(), true, Optional.empty(), false);

    /** The accepted keys, the signing one first; empty when off. */
    private final List<SecretKeySpec> keys;
    private final boolean acceptUnsigned;
    private final ThreadLocal<List<Mac>> macs;
    /** Role signatures on top of the MAC, when on. */
    private final Optional<RecordRoles> roles;
    /** Whether a record with a good MAC and no role signature is accepted (never a wrong one). */
    private final boolean acceptRoleUnsigned;

    private RecordSigning(List<SecretKeySpec> keys, boolean acceptUnsigned, Optional<RecordRoles> roles,
            boolean acceptRoleUnsigned) {
        this.keys = List.copyOf(keys);
        this.acceptUnsigned = acceptUnsigned;
        this.macs = ThreadLocal.withInitial(() -> this.keys.stream().map(RecordSigning::mac).toList());
        this.roles = roles;
        this.acceptRoleUnsigned = acceptRoleUnsigned;
    }

    /**
     * This signing, records also signed by this process's role and checked against the roles that
     * write their topics ({@link RecordRoles}).
     *
     * @throws IllegalStateException when signing is off: role signatures come on top of the MAC
     */
    public RecordSigning withRoles(RecordRoles roles) {
        return withRoles(roles, false);
    }

    /**
     * As {@link #withRoles(RecordRoles)}; with {@code acceptRoleUnsigned}, a record that carries a
     * good MAC but no role signature is accepted too (a wrong one never is): while role signatures
     * are switched on in a running cluster. It accepts no record without a MAC.
     */
    public RecordSigning withRoles(RecordRoles roles, boolean acceptRoleUnsigned) {
        if (!on()) {
            throw new IllegalStateException("role signatures need a record key");
        }
        return new RecordSigning(keys, acceptUnsigned, Optional.of(roles), acceptRoleUnsigned);
    }

    /** The role signatures, when records carry them. */
    public Optional<RecordRoles> roles() {
        return roles;
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
        return new RecordSigning(keys, acceptUnsigned, Optional.empty(), false);
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
     * The headers a record written by this process to {@code topic} carries: its MAC, and, with role
     * signatures, its role and its signature (which covers the topic too), and the certificate of
     * the node's own key when it signs with one. Empty when off.
     */
    public Map<String, byte[]> headers(String topic, String kafkaKey, byte[] value) {
        Map<String, byte[]> headers = new LinkedHashMap<>();
        if (on()) {
            headers.put(HEADER, sign(kafkaKey, value));
        }
        roles.filter(signer -> signer.role().isPresent()).ifPresent(signer -> {
            headers.put(RecordRoles.ROLE_HEADER, signer.role().get().label().getBytes(StandardCharsets.UTF_8));
            headers.put(RecordRoles.SIGNATURE_HEADER, signer.sign(topic, kafkaKey, value));
            signer.certificateHeader().ifPresent(certificate -> headers.put(RecordRoles.CERTIFICATE_HEADER, certificate));
        });
        return headers;
    }

    /**
     * Why a record read from {@code topic} must not be applied, if it must not: its MAC checked as
     * {@link #check(String, byte[], byte[])} does, then, with role signatures, its role and signature
     * ({@link RecordRoles#check}); a record carrying neither role nor signature is {@code UNSIGNED}
     * (accepted while records without a role signature are). Always empty when off.
     *
     * @param header a header's value by its name, null when the record has none
     */
    public Optional<Refusal> check(String topic, String kafkaKey, byte[] value, Function<String, byte[]> header) {
        Optional<Refusal> mac = check(kafkaKey, value, header.apply(HEADER));
        if (mac.isPresent() || roles.isEmpty()) {
            return mac;
        }
        byte[] role = header.apply(RecordRoles.ROLE_HEADER);
        byte[] signature = header.apply(RecordRoles.SIGNATURE_HEADER);
        if (role == null && signature == null) {
            return acceptRoleUnsigned ? Optional.empty() : Optional.of(Refusal.UNSIGNED);
        }
        return roles.get().check(topic, kafkaKey, value, role, signature, header.apply(RecordRoles.CERTIFICATE_HEADER));
    }

    /**
     * Why a record read from Kafka must not be applied, judged by its MAC alone, if it must not:
     * always empty when off.
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

    /** The MAC of a record's key and value ({@link #feed}). */
    private static byte[] mac(Mac mac, String kafkaKey, byte[] value) {
        try {
            feed(mac::update, kafkaKey, value);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        return mac.doFinal();
    }

    /** Feeds the key's length, the key and the value, so no two records share an input. */
    static void feed(Input input, String kafkaKey, byte[] value) throws GeneralSecurityException {
        byte[] key = kafkaKey == null ? new byte[0] : kafkaKey.getBytes(StandardCharsets.UTF_8);
        input.update(ByteBuffer.allocate(Integer.BYTES).putInt(kafkaKey == null ? -1 : key.length).array());
        input.update(key);
        if (value != null) {
            input.update(value);
        }
    }
}
