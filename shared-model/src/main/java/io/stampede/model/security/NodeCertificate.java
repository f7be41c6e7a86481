package io.stampede.model.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;

import io.stampede.model.DatacenterName;
import io.stampede.model.NodeId;
import io.stampede.model.NodeRole;

/**
 * One node's own record key, vouched for by its role: the node's id and role and its Ed25519
 * public key, signed with the role's private key ({@link RecordRoles}). A node given a certificate
 * and its own private key, instead of its role's private key, signs its records as itself: every
 * node checks the certificate with the role's public key and the record with the certificate's
 * key, and refuses a record that names another sender ({@link RecordSigning.Refusal#UNKNOWN_SENDER}).
 * Whoever takes such a node over can write records in its name only, and cannot make a certificate.
 * A manager's or a worker's certificate also names its datacenter: such a node's records are then
 * refused when they speak for another datacenter ({@link RecordSigning.Refusal#OTHER_DATACENTER}).
 * A certificate is about 170 bytes of text, up to 263 for a node id of 64 characters and a
 * datacenter name of 40.
 *
 * <p>As text, {@code role:id:public key:signature}, or {@code role:id:datacenter:public key:signature}
 * when it names a datacenter (the key and the signature base64); neither a node id nor a
 * datacenter name holds a colon.
 *
 * @param datacenter the datacenter the node belongs to, or empty: a gate's certificate names none,
 *                   and one made before certificates named datacenters names none either
 */
public record NodeCertificate(NodeRole role, String id, String datacenter, PublicKey publicKey, byte[] signature) {

    public NodeCertificate {
        signature = signature.clone();
    }

    /** The role's signature, a copy. */
    @Override
    public byte[] signature() {
        return signature.clone();
    }

    /** Equal when every part is, the signature's bytes included. */
    @Override
    public boolean equals(Object other) {
        return other instanceof NodeCertificate that && role == that.role && id.equals(that.id)
                && datacenter.equals(that.datacenter) && publicKey.equals(that.publicKey)
                && Arrays.equals(signature, that.signature);
    }

    @Override
    public int hashCode() {
        return 31 * java.util.Objects.hash(role, id, datacenter, publicKey) + Arrays.hashCode(signature);
    }

    private static final String ALGORITHM = "Ed25519";
    /** The longest certificate read, in characters: an Ed25519 certificate takes 263 at most. */
    static final int MAX_TEXT = 512;

    /** A private key and the certificate of its public key, as a node is given them. */
    public record Issued(String privateKey, String certificate) {

        /** Names the node, never its key. */
        @Override
        public String toString() {
            return "Issued[" + certificate.substring(0, certificate.indexOf(':', certificate.indexOf(':') + 1)) + "]";
        }
    }

    /**
     * A new key pair for node {@code id} of {@code role}, in {@code datacenter}, its public key
     * certified with the role's private key (base64 of its PKCS#8 form).
     *
     * @param datacenter the manager's or worker's datacenter; empty for a gate, which belongs to none
     * @throws IllegalArgumentException for an id a node cannot have, a datacenter that is not one or
     *                                  that a gate is given, or a key that is not Ed25519
     */
    public static Issued issue(NodeRole role, String id, String datacenter, String rolePrivateKey) {
        if (!NodeId.valid(id)) {
            throw new IllegalArgumentException("'" + id + "' is not a node id: letters, digits, dots, dashes and"
                    + " underscores, 64 at most, starting with a letter or digit");
        }
        if (role == NodeRole.GATE && !datacenter.isEmpty()) {
            throw new IllegalArgumentException("a gate belongs to no datacenter: its certificate names none");
        }
        if (!datacenter.isEmpty()) {
            DatacenterName.problem(datacenter).ifPresent(problem -> {
                throw new IllegalArgumentException(problem);
            });
        }
        PrivateKey roleKey = RecordRoles.privateKey(rolePrivateKey);
        try {
            KeyPair pair = KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
            Signature signer = Signature.getInstance(ALGORITHM);
            signer.initSign(roleKey);
            signer.update(signed(role, id, datacenter, pair.getPublic()));
            NodeCertificate certificate = new NodeCertificate(role, id, datacenter, pair.getPublic(), signer.sign());
            return new Issued(Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded()), certificate.text());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is not available", e);
        }
    }

    /**
     * Reads a certificate, without checking its signature ({@link RecordRoles} does).
     *
     * @throws IllegalArgumentException when it is not one
     */
    public static NodeCertificate parse(String text) {
        String[] parts = text.strip().split(":", -1);
        if (text.length() > MAX_TEXT || parts.length < 4 || parts.length > 5) {
            throw new IllegalArgumentException("not a node certificate (role:id:datacenter:public key:signature)");
        }
        Optional<NodeRole> role = NodeRole.ofLabel(parts[0]);
        if (role.isEmpty() || !NodeId.valid(parts[1])) {
            throw new IllegalArgumentException("not a node certificate: it names no role or no node id");
        }
        String datacenter = parts.length == 5 ? parts[2] : "";
        if (parts.length == 5 && (role.get() == NodeRole.GATE || DatacenterName.problem(datacenter).isPresent())) {
            throw new IllegalArgumentException("not a node certificate: '" + datacenter + "' is not a "
                    + role.get().label() + "'s datacenter");
        }
        try {
            PublicKey key = KeyFactory.getInstance(ALGORITHM).generatePublic(
                    new X509EncodedKeySpec(Base64.getDecoder().decode(parts[parts.length - 2])));
            return new NodeCertificate(role.get(), parts[1], datacenter, key,
                    Base64.getDecoder().decode(parts[parts.length - 1]));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not a node certificate: its key is not an Ed25519 public key");
        }
    }

    /** The private key a node was given, checked against this certificate's public key. */
    PrivateKey matching(String privateKey) {
        PrivateKey key = RecordRoles.privateKey(privateKey);
        if (KeyPairs.pair(key, publicKey)) {
            return key;
        }
        throw new IllegalArgumentException("is not the private key of the certificate's public key");
    }

    /** Whether the role's {@code roleKey} signed this certificate. */
    boolean signedBy(PublicKey roleKey) {
        try {
            Signature verifier = Signature.getInstance(ALGORITHM);
            verifier.initVerify(roleKey);
            verifier.update(signed(role, id, datacenter, publicKey));
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /**
     * What a role signs: a fixed label, the role, the id, the datacenter when there is one (under
     * another label, so that no certificate reads as one of the other form) and the public key.
     */
    private static byte[] signed(NodeRole role, String id, String datacenter, PublicKey key) {
        return ((datacenter.isEmpty() ? "stampede-node-certificate/1:" + role.label() + ":" + id
                : "stampede-node-certificate/2:" + role.label() + ":" + id + ":" + datacenter) + ":"
                + Base64.getEncoder().encodeToString(key.getEncoded())).getBytes(StandardCharsets.UTF_8);
    }

    /** The certificate as nodes are given it and records carry it. */
    public String text() {
        return role.label() + ":" + id + ":" + (datacenter.isEmpty() ? "" : datacenter + ":")
                + Base64.getEncoder().encodeToString(publicKey.getEncoded()) + ":"
                + Base64.getEncoder().encodeToString(signature);
    }

    @Override
    public String toString() {
        return "NodeCertificate[" + role.label() + " " + id + (datacenter.isEmpty() ? "" : " of " + datacenter) + "]";
    }
}
