package io.stampede.model.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.stampede.model.NodeRole;
import io.stampede.model.Topics;

/**
 * Which role wrote a record, proven: every node signs the records it writes with its role's
 * Ed25519 private key (the header {@link #SIGNATURE_HEADER}, beside its role in
 * {@link #ROLE_HEADER}), and checks every record it reads with that role's public key, which every
 * node holds, and against the roles that may write the record's topic ({@link #writers}). Unlike
 * the cluster's shared record key, a worker can check a manager's dispatch without being able to
 * write one. Thread-safe: each thread uses its own {@link Signature}.
 */
public final class RecordRoles {

    /** The Kafka header naming the role that signed a record ({@link NodeRole#label()}). */
    public static final String ROLE_HEADER = "stampede-role";
    /** The Kafka header holding a record's Ed25519 signature by its role's key. */
    public static final String SIGNATURE_HEADER = "stampede-signature";
    private static final String ALGORITHM = "Ed25519";

    /** Every role's public key. */
    private final Map<NodeRole, PublicKey> publicKeys;
    /** The role this process signs as, and its private key: empty for a process that only checks. */
    private final Optional<NodeRole> role;
    private final PrivateKey privateKey;
    private final ThreadLocal<Signature> signatures = ThreadLocal.withInitial(RecordRoles::signature);

    private RecordRoles(Map<NodeRole, PublicKey> publicKeys, Optional<NodeRole> role, PrivateKey privateKey) {
        this.publicKeys = Map.copyOf(publicKeys);
        this.role = role;
        this.privateKey = privateKey;
    }

    /**
     * Checks records with every role's public keys, and signs as {@code role} with
     * {@code privateKey} (base64 of its PKCS#8 form) when given.
     *
     * @param publicKeys entries {@code role=base64 of the X.509 public key}, one per role
     * @throws IllegalArgumentException naming what is wrong; never quoting a private key
     */
    public static RecordRoles of(List<String> publicKeys, Optional<NodeRole> role, Optional<String> privateKey) {
        Map<NodeRole, PublicKey> keys = publicKeys(publicKeys);
        if (role.isEmpty() || privateKey.isEmpty()) {
            return new RecordRoles(keys, Optional.empty(), null);
        }
        PrivateKey key;
        try {
            key = KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(decode(privateKey.get())));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("is not an Ed25519 private key (base64 of its PKCS#8 form)");
        }
        RecordRoles roles = new RecordRoles(keys, role, key);
        byte[] probe = "stampede-role-key-check".getBytes(StandardCharsets.UTF_8);
        if (roles.check(Topics.DEAD_LETTER, "probe", probe, role.get().label().getBytes(StandardCharsets.UTF_8),
                roles.sign("probe", probe)).isPresent()) {
            throw new IllegalArgumentException("is not the " + role.get().label() + "s' key: its signatures do not"
                    + " verify with the " + role.get().label() + "'s public key");
        }
        return roles;
    }

    private static Map<NodeRole, PublicKey> publicKeys(List<String> entries) {
        Map<NodeRole, PublicKey> keys = new EnumMap<>(NodeRole.class);
        for (int i = 0; i < entries.size(); i++) {
            String entry = entries.get(i).strip();
            int equals = entry.indexOf('=');
            Optional<NodeRole> named = equals < 0 ? Optional.empty() : NodeRole.ofLabel(entry.substring(0, equals).strip());
            if (named.isEmpty()) {
                throw new IllegalArgumentException("entry " + (i + 1) + " must be role=key, the role gate, manager or"
                        + " worker");
            }
            if (keys.containsKey(named.get())) {
                throw new IllegalArgumentException("the role " + named.get().label() + " is given twice");
            }
            try {
                keys.put(named.get(), KeyFactory.getInstance(ALGORITHM).generatePublic(
                        new X509EncodedKeySpec(decode(entry.substring(equals + 1)))));
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                throw new IllegalArgumentException("entry " + (i + 1) + ": not an Ed25519 public key (base64 of its"
                        + " X.509 form)");
            }
        }
        Set<NodeRole> missing = EnumSet.allOf(NodeRole.class);
        missing.removeAll(keys.keySet());
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("no key for " + String.join(", ", missing.stream().map(NodeRole::label)
                    .toList()) + ": every role's public key is needed");
        }
        return keys;
    }

    private static byte[] decode(String base64) {
        return Base64.getDecoder().decode(base64.strip());
    }

    /** A new key pair for each role: role to {@code [private key, public key]}, each base64 of its DER. */
    public static Map<NodeRole, List<String>> generate() {
        Map<NodeRole, List<String>> keys = new LinkedHashMap<>();
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(ALGORITHM);
            for (NodeRole role : NodeRole.values()) {
                KeyPair pair = generator.generateKeyPair();
                keys.put(role, List.of(Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded()),
                        Base64.getEncoder().encodeToString(pair.getPublic().getEncoded())));
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is not available", e);
        }
        return keys;
    }

    /** The public-key entries of generated keys, as {@code stampede.security.record-role-public-keys} takes them. */
    public static List<String> publicEntries(Map<NodeRole, List<String>> generated) {
        List<String> entries = new ArrayList<>();
        generated.forEach((role, pair) -> entries.add(role.label() + "=" + pair.get(1)));
        return entries;
    }

    /**
     * The roles whose nodes write {@code topic} (docs/security.md#kafka-acls): gates the datacenters'
     * jobs topics and the results topic, managers their dispatch topic, workers their progress topic,
     * gates and managers the events topic; any role the dead-letter topic. No role writes any other.
     */
    public static Set<NodeRole> writers(String topic) {
        if (topic.equals(Topics.JOB_EVENTS)) {
            return EnumSet.of(NodeRole.GATE, NodeRole.MANAGER);
        }
        if (topic.equals(Topics.JOB_RESULTS)) {
            return EnumSet.of(NodeRole.GATE);
        }
        if (topic.equals(Topics.DEAD_LETTER)) {
            return EnumSet.allOf(NodeRole.class);
        }
        if (topic.startsWith("stampede.dc.")) {
            if (topic.endsWith(".jobs")) {
                return EnumSet.of(NodeRole.GATE);
            }
            if (topic.endsWith(".dispatch")) {
                return EnumSet.of(NodeRole.MANAGER);
            }
            if (topic.endsWith(".progress")) {
                return EnumSet.of(NodeRole.WORKER);
            }
        }
        return EnumSet.noneOf(NodeRole.class);
    }

    /** The role this process signs as, when it signs. */
    public Optional<NodeRole> role() {
        return role;
    }

    /**
     * The signature of a record by this process's role.
     *
     * @throws IllegalStateException for a process that only checks
     */
    public byte[] sign(String kafkaKey, byte[] value) {
        if (role.isEmpty()) {
            throw new IllegalStateException("this process holds no role's private key");
        }
        try {
            Signature signature = signatures.get();
            signature.initSign(privateKey);
            RecordSigning.feed(signature::update, kafkaKey, value);
            return signature.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign with the " + role.get().label() + "'s key", e);
        }
    }

    /**
     * Why a record read from {@code topic} must not be applied, if it must not:
     * {@link RecordSigning.Refusal#WRONG_ROLE} when it names no role, or one that does not write the
     * topic; {@link RecordSigning.Refusal#FORGED} when its signature is not that role's.
     *
     * @param role      its {@link #ROLE_HEADER}, or null
     * @param signature its {@link #SIGNATURE_HEADER}, or null
     */
    public Optional<RecordSigning.Refusal> check(String topic, String kafkaKey, byte[] value, byte[] role,
            byte[] signature) {
        Optional<NodeRole> signer = role == null ? Optional.empty() : NodeRole.ofLabel(new String(role, StandardCharsets.UTF_8));
        if (signer.isEmpty() || !writers(topic).contains(signer.get())) {
            return Optional.of(RecordSigning.Refusal.WRONG_ROLE);
        }
        if (signature == null) {
            return Optional.of(RecordSigning.Refusal.FORGED);
        }
        try {
            Signature verifier = signatures.get();
            verifier.initVerify(publicKeys.get(signer.get()));
            RecordSigning.feed(verifier::update, kafkaKey, value);
            return verifier.verify(signature) ? Optional.empty() : Optional.of(RecordSigning.Refusal.FORGED);
        } catch (GeneralSecurityException e) {
            return Optional.of(RecordSigning.Refusal.FORGED);
        }
    }

    private static Signature signature() {
        try {
            return Signature.getInstance(ALGORITHM);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is not available", e);
        }
    }

    /** Names the role it signs as, never a key. */
    @Override
    public String toString() {
        return "RecordRoles[" + role.map(NodeRole::label).orElse("checks only") + "]";
    }
}
