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
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.stampede.model.NodeRole;
import io.stampede.model.Topics;
import io.stampede.model.wire.RecordCodec;
import io.stampede.model.wire.RecordType;

/**
 * Which role wrote a record, proven: every node signs the records it writes with its role's
 * Ed25519 private key (the header {@link #SIGNATURE_HEADER}, beside its role in
 * {@link #ROLE_HEADER}), and checks every record it reads with that role's public key, which every
 * node holds, and against the roles that may write the record's topic ({@link #writers}). Unlike
 * the cluster's shared record key, a worker can check a manager's dispatch without being able to
 * write one.
 *
 * <p>A node may instead hold its own key pair, certified by its role ({@link NodeCertificate}):
 * it signs with its own key and sends its certificate in {@link #CERTIFICATE_HEADER}, and a
 * reader checks the certificate with the role's public key, the record with the certificate's
 * key, and that the record names the certificate's node as its sender. Then a node taken over
 * writes in its own name only. Thread-safe: each thread uses its own {@link Signature}.
 */
public final class RecordRoles {

    /** The Kafka header naming the role that signed a record ({@link NodeRole#label()}). */
    public static final String ROLE_HEADER = "stampede-role";
    /** The Kafka header holding a record's Ed25519 signature by its role's key. */
    public static final String SIGNATURE_HEADER = "stampede-signature";
    /** The Kafka header holding the certificate of the node that signed a record, when nodes have their own keys. */
    public static final String CERTIFICATE_HEADER = "stampede-certificate";
    /** How many certificates a reader remembers as checked: a few per node of the cluster. */
    static final int CHECKED_CERTIFICATES = 1024;
    private static final String ALGORITHM = "Ed25519";
    /** How many public keys a role may have: its own, and a second one while its key pair is replaced. */
    static final int MAX_KEYS_PER_ROLE = 2;

    /** Every role's public keys: one, or two while a role's key pair is replaced. */
    private final Map<NodeRole, List<PublicKey>> publicKeys;
    /** The role this process signs as, and its private key: empty for a process that only checks. */
    private final Optional<NodeRole> role;
    private final PrivateKey privateKey;
    /** This process's certificate, when it signs with its own key rather than its role's. */
    private final Optional<NodeCertificate> certificate;
    private final byte[] certificateBytes;
    /** Whether a record must carry a certificate, a manager's or a worker's naming its datacenter. */
    private final boolean certificatesRequired;
    private final ThreadLocal<Signature> signatures = ThreadLocal.withInitial(RecordRoles::signature);
    /** Certificates already checked, by their text: most recently used kept. */
    private final Map<String, NodeCertificate> checked = Collections.synchronizedMap(
            new LinkedHashMap<>(64, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, NodeCertificate> eldest) {
                    return size() > CHECKED_CERTIFICATES;
                }
            });

    private RecordRoles(Map<NodeRole, List<PublicKey>> publicKeys, Optional<NodeRole> role, PrivateKey privateKey,
            Optional<NodeCertificate> certificate, boolean certificatesRequired) {
        this.publicKeys = Map.copyOf(publicKeys);
        this.role = role;
        this.privateKey = privateKey;
        this.certificate = certificate;
        this.certificateBytes = certificate.map(own -> own.text().getBytes(StandardCharsets.UTF_8)).orElse(null);
        this.certificatesRequired = certificatesRequired;
    }

    /**
     * These roles, refusing every record that carries no certificate (one signed with a role's own
     * private key) and every manager's or worker's whose certificate names no datacenter
     * ({@link RecordSigning.Refusal#UNCERTIFIED}): once every node signs with its own certified key,
     * a role's private key in the wrong hands writes nothing that is read.
     */
    public RecordRoles requiringCertificates() {
        return new RecordRoles(publicKeys, role, privateKey, certificate, true);
    }

    /**
     * Checks records with every role's public keys, and signs as {@code role} with
     * {@code privateKey} (base64 of its PKCS#8 form) when given.
     *
     * @param publicKeys entries {@code role=base64 of the X.509 public key}, one per role, or two for
     *                   a role whose key pair is being replaced (a record verifying with either is
     *                   that role's)
     * @throws IllegalArgumentException naming what is wrong; never quoting a private key
     */
    public static RecordRoles of(List<String> publicKeys, Optional<NodeRole> role, Optional<String> privateKey) {
        Map<NodeRole, List<PublicKey>> keys = publicKeys(publicKeys);
        if (role.isEmpty() || privateKey.isEmpty()) {
            return new RecordRoles(keys, Optional.empty(), null, Optional.empty(), false);
        }
        RecordRoles roles = new RecordRoles(keys, role, privateKey(privateKey.get()), Optional.empty(), false);
        byte[] probe = "stampede-role-key-check".getBytes(StandardCharsets.UTF_8);
        if (roles.check(Topics.DEAD_LETTER, "probe", probe, role.get().label().getBytes(StandardCharsets.UTF_8),
                roles.sign(Topics.DEAD_LETTER, "probe", probe), null).isPresent()) {
            throw new IllegalArgumentException("is not the " + role.get().label() + "s' key: its signatures do not"
                    + " verify with the " + role.get().label() + "'s public key");
        }
        return roles;
    }

    /**
     * Checks records with every role's public keys, and signs as the node {@code certificate}
     * names, with its own {@code privateKey} (base64 of its PKCS#8 form).
     *
     * @throws IllegalArgumentException naming what is wrong (the certificate is not one, not its
     *                                  role's, or not of this key); never quoting a private key
     */
    public static RecordRoles ofNode(List<String> publicKeys, String certificate, String privateKey) {
        Map<NodeRole, List<PublicKey>> keys = publicKeys(publicKeys);
        NodeCertificate own = NodeCertificate.parse(certificate);
        if (keys.get(own.role()).stream().noneMatch(own::signedBy)) {
            throw new IllegalArgumentException("is not signed by the " + own.role().label() + "s' key: it does not"
                    + " verify with the " + own.role().label() + "'s public key");
        }
        return new RecordRoles(keys, Optional.of(own.role()), own.matching(privateKey), Optional.of(own), false);
    }

    /**
     * An Ed25519 private key from base64 of its PKCS#8 form.
     *
     * @throws IllegalArgumentException when it is not one, never quoting it
     */
    public static PrivateKey privateKey(String base64) {
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(decode(base64)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("is not an Ed25519 private key (base64 of its PKCS#8 form)");
        }
    }

    private static Map<NodeRole, List<PublicKey>> publicKeys(List<String> entries) {
        Map<NodeRole, List<PublicKey>> keys = new EnumMap<>(NodeRole.class);
        for (int i = 0; i < entries.size(); i++) {
            String entry = entries.get(i).strip();
            int equals = entry.indexOf('=');
            Optional<NodeRole> named = equals < 0 ? Optional.empty() : NodeRole.ofLabel(entry.substring(0, equals).strip());
            if (named.isEmpty()) {
                throw new IllegalArgumentException("entry " + (i + 1) + " must be role=key, the role gate, manager or"
                        + " worker");
            }
            List<PublicKey> roleKeys = keys.computeIfAbsent(named.get(), any -> new ArrayList<>());
            if (roleKeys.size() == MAX_KEYS_PER_ROLE) {
                throw new IllegalArgumentException("the role " + named.get().label() + " is given more than "
                        + MAX_KEYS_PER_ROLE + " keys (its old and its new one while it is replaced)");
            }
            try {
                roleKeys.add(KeyFactory.getInstance(ALGORITHM).generatePublic(
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
        keys.replaceAll((named, roleKeys) -> List.copyOf(roleKeys));
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

    /** The certificate this process sends with its records, when it signs with its own key. */
    public Optional<NodeCertificate> certificate() {
        return certificate;
    }

    /** This process's certificate as its records carry it ({@link #CERTIFICATE_HEADER}), when it has one. */
    Optional<byte[]> certificateHeader() {
        return Optional.ofNullable(certificateBytes);
    }

    /**
     * The signature of a record by this process's role, for {@code topic}: the same record copied
     * to another topic does not verify there.
     *
     * @throws IllegalStateException for a process that only checks
     */
    public byte[] sign(String topic, String kafkaKey, byte[] value) {
        if (role.isEmpty()) {
            throw new IllegalStateException("this process holds no role's private key");
        }
        try {
            Signature signature = signatures.get();
            signature.initSign(privateKey);
            feed(signature::update, topic, kafkaKey, value);
            return signature.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign with the " + role.get().label() + "'s key", e);
        }
    }

    /**
     * Why a record read from {@code topic} must not be applied, if it must not:
     * {@link RecordSigning.Refusal#WRONG_ROLE} when it names no role, or one that does not write the
     * topic, or one that does not write the record's type ({@link RecordType#writer}: a gate's cancel
     * on a manager's dispatch topic, a manager's record of the events topic signed by a gate); {@link RecordSigning.Refusal#FORGED} when its signature is not
     * that role's, or, with a certificate, when the certificate is not that role's or the signature
     * not the certificate's key's; {@link RecordSigning.Refusal#UNKNOWN_SENDER} when a certified
     * record names a sender other than the certificate's node;
     * {@link RecordSigning.Refusal#OTHER_DATACENTER} when the certificate names a datacenter and the
     * record speaks for another (on that datacenter's topic, or naming it in its payload on the
     * events topic), and {@link RecordSigning.Refusal#UNCERTIFIED} when certificates are required
     * and the record carries none. A record whose type or sender cannot be read is left to its
     * reader, which counts it as unreadable.
     *
     * @param role        its {@link #ROLE_HEADER}, or null
     * @param signature   its {@link #SIGNATURE_HEADER}, or null
     * @param certificate its {@link #CERTIFICATE_HEADER}, or null: then the role's own key signed it
     */
    public Optional<RecordSigning.Refusal> check(String topic, String kafkaKey, byte[] value, byte[] role,
            byte[] signature, byte[] certificate) {
        Optional<NodeRole> signer = role == null ? Optional.empty() : NodeRole.ofLabel(new String(role, StandardCharsets.UTF_8));
        Set<NodeRole> writers = writers(topic);
        if (signer.isEmpty() || !writers.contains(signer.get())) {
            return Optional.of(RecordSigning.Refusal.WRONG_ROLE);
        }
        Optional<NodeCertificate> node = Optional.empty();
        if (certificate == null && certificatesRequired) {
            return Optional.of(RecordSigning.Refusal.UNCERTIFIED);
        }
        if (certificate != null) {
            node = checked(signer.get(), certificate);
            if (node.isEmpty() || signature == null || !verifies(List.of(node.get().publicKey()), topic, kafkaKey,
                    value, signature)) {
                return Optional.of(RecordSigning.Refusal.FORGED);
            }
        } else if (signature == null || !verifies(publicKeys.get(signer.get()), topic, kafkaKey, value, signature)) {
            return Optional.of(RecordSigning.Refusal.FORGED);
        }
        if (certificatesRequired && signer.get() != NodeRole.GATE && node.get().datacenter().isEmpty()) {
            return Optional.of(RecordSigning.Refusal.UNCERTIFIED);
        }
        Optional<String> certified = node.map(NodeCertificate::id);
        boolean typed = !topic.equals(Topics.DEAD_LETTER);
        if (!typed && certified.isEmpty()) {
            return Optional.empty();
        }
        RecordCodec.Heading heading = RecordCodec.heading(value);
        if (typed && heading.type().map(type -> type.writer() != signer.get()).orElse(false)) {
            // Each role writes its own types only: gates and managers both write the events topic, but
            // not each other's records there, and a manager's dispatch topic takes no gate's cancel.
            return Optional.of(RecordSigning.Refusal.WRONG_ROLE);
        }
        // A sender that cannot be read is left to the reader, which refuses such a record (MISSING_FIELD and others).
        if (certified.isPresent() && heading.sender().map(sender -> !certified.get().equals(sender)).orElse(false)) {
            return Optional.of(RecordSigning.Refusal.UNKNOWN_SENDER);
        }
        if (typed && node.isPresent() && !node.get().datacenter().isEmpty()
                && !node.get().datacenter().equals(spokenFor(topic, heading).orElse(null))) {
            return Optional.of(RecordSigning.Refusal.OTHER_DATACENTER);
        }
        return Optional.empty();
    }

    /**
     * The datacenter a record of a node of a datacenter speaks for: the one whose topic it is on, or
     * on the events topic, the one its payload names.
     */
    private static Optional<String> spokenFor(String topic, RecordCodec.Heading heading) {
        return Topics.datacenter(topic).or(heading::datacenter);
    }

    /** The certificate a record carries, when it is one of {@code signer}'s, signed by that role's key. */
    private Optional<NodeCertificate> checked(NodeRole signer, byte[] header) {
        if (header.length > NodeCertificate.MAX_TEXT) {
            return Optional.empty();
        }
        String text = new String(header, StandardCharsets.UTF_8);
        NodeCertificate known = checked.get(text);
        if (known != null) {
            return known.role() == signer ? Optional.of(known) : Optional.empty();
        }
        NodeCertificate certificate;
        try {
            certificate = NodeCertificate.parse(text);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (certificate.role() != signer || publicKeys.get(signer).stream().noneMatch(certificate::signedBy)) {
            return Optional.empty();
        }
        checked.put(text, certificate);
        return Optional.of(certificate);
    }

    private boolean verifies(List<PublicKey> keys, String topic, String kafkaKey, byte[] value, byte[] signature) {
        for (PublicKey key : keys) {
            try {
                Signature verifier = signatures.get();
                verifier.initVerify(key);
                feed(verifier::update, topic, kafkaKey, value);
                if (verifier.verify(signature)) {
                    return true;
                }
            } catch (GeneralSecurityException e) {
                // not this key's
            }
        }
        return false;
    }

    /** What a role signs: the topic, then the record as its MAC covers it. */
    private static void feed(RecordSigning.Input input, String topic, String kafkaKey, byte[] value)
            throws GeneralSecurityException {
        byte[] name = topic.getBytes(StandardCharsets.UTF_8);
        input.update(java.nio.ByteBuffer.allocate(Integer.BYTES).putInt(name.length).array());
        input.update(name);
        RecordSigning.feed(input, kafkaKey, value);
    }

    private static Signature signature() {
        try {
            return Signature.getInstance(ALGORITHM);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is not available", e);
        }
    }

    /** Names the role (and node) it signs as, never a key. */
    @Override
    public String toString() {
        return "RecordRoles[" + role.map(NodeRole::label).orElse("checks only")
                + certificate.map(own -> " " + own.id()).orElse("") + "]";
    }
}
