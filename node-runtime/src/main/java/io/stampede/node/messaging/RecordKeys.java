package io.stampede.node.messaging;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.stampede.model.NodeRole;
import io.stampede.model.security.NodeCertificate;
import io.stampede.model.security.RecordRoles;
import io.stampede.model.security.RecordSigning;
import io.stampede.node.config.NodeConfig;
import io.stampede.node.config.NodeIdentity;

/**
 * This node's {@link RecordSigning}, from {@code stampede.security.record-key} and
 * {@code record-secondary-key}, with its role's signatures ({@link RecordRoles}) from
 * {@code record-role-key} and {@code record-role-public-keys} (or, for a node that signs as
 * itself, {@code record-node-key} and {@code record-node-certificate}), and the checks those settings
 * must pass before the node starts.
 */
public final class RecordKeys {

    private static final Logger LOG = Logger.getLogger(RecordKeys.class);

    private RecordKeys() {
    }

    /** Produces the node's record signing. */
    @Singleton
    public static final class Producer {

        @Produces
        @Singleton
        RecordSigning signing(NodeConfig config, NodeIdentity identity) {
            RecordSigning signing = of(config.security(), identity.role());
            if (signing.on() && config.security().recordAcceptUnsigned()) {
                LOG.warn("stampede.security.record-accept-unsigned is on: records without a MAC are accepted, for as"
                        + " long as signing is being switched on (docs/security.md#records)");
            }
            if (!signing.on()) {
                LOG.warn("stampede.security.record-key is not set: this node's Kafka records are not signed and the"
                        + " records it reads are not checked, so whoever can write the topics can make it apply"
                        + " anything (docs/security.md#records)");
            } else if (signing.roles().isEmpty()) {
                LOG.warn("neither stampede.security.record-role-key nor record-node-key is set: records are signed with the"
                        + " cluster's key only, so any node holding it can write any role's records"
                        + " (docs/security.md#role-signatures)");
            } else {
                if (config.security().recordRoleAcceptUnsigned()) {
                    LOG.warn("stampede.security.record-role-accept-unsigned is on: records without a role signature"
                            + " are accepted, for as long as role signatures are being switched on"
                            + " (docs/security.md#role-signatures)");
                }
                LOG.infof("Kafka records are signed with the cluster's record key and as a %s's%s, and each record read"
                        + " must be signed by a role that writes its topic (role signatures on)%s", identity.role().label(),
                        signing.roles().flatMap(RecordRoles::certificate).isPresent()
                                ? ", with this node's own certified key (docs/security.md#node-keys)" : "",
                        config.security().recordRequireNodeCertificate()
                                ? ", by a node's certified key (stampede.security.record-require-node-certificate)" : "");
            }
            return signing;
        }
    }

    /** The signing these settings ask for, as a node of {@code role} signs; off without a record key. */
    public static RecordSigning of(NodeConfig.Security security, NodeRole role) {
        RecordSigning signing = of(security);
        if (signing.on() && security.recordNodeKey().isPresent() && security.recordNodeCertificate().isPresent()
                && security.recordRolePublicKeys().isPresent()) {
            RecordRoles roles = RecordRoles.ofNode(security.recordRolePublicKeys().get(),
                    security.recordNodeCertificate().get(), security.recordNodeKey().get());
            return signing.withRoles(security.recordRequireNodeCertificate() ? roles.requiringCertificates() : roles,
                    security.recordRoleAcceptUnsigned());
        }
        if (!signing.on() || security.recordRoleKey().isEmpty() || security.recordRolePublicKeys().isEmpty()) {
            return signing;
        }
        return signing.withRoles(RecordRoles.of(security.recordRolePublicKeys().get(), Optional.of(role),
                security.recordRoleKey()), security.recordRoleAcceptUnsigned());
    }

    /**
     * The signing these settings ask for, without role signatures; off without a record key.
     * Check {@link #problems} first.
     */
    public static RecordSigning of(NodeConfig.Security security) {
        return security.recordKey().map(key -> RecordSigning.of(key, security.recordSecondaryKey(),
                security.recordAcceptUnsigned())).orElse(RecordSigning.off());
    }

    /**
     * Every problem with the record keys of node {@code id} of {@code role}, in {@code datacenter}
     * (a manager's or a worker's); the keys themselves are never in a message.
     */
    public static List<String> problems(NodeConfig.Security security, NodeRole role, String id,
            Optional<String> datacenter) {
        if (security.recordNodeKey().isEmpty() && security.recordNodeCertificate().isEmpty()) {
            List<String> problems = problems(security, role);
            if (security.recordRequireNodeCertificate()) {
                problems.add("stampede.security.record-require-node-certificate: set without"
                        + " stampede.security.record-node-key and record-node-certificate: a node that requires"
                        + " certificates signs with its own certified key (stampede key node)");
            }
            return problems;
        }
        List<String> problems = problems(security);
        if (security.recordRequireNodeCertificate() && (security.recordAcceptUnsigned()
                || security.recordRoleAcceptUnsigned())) {
            problems.add("stampede.security.record-require-node-certificate: set with"
                    + (security.recordAcceptUnsigned() ? " stampede.security.record-accept-unsigned"
                            : " stampede.security.record-role-accept-unsigned")
                    + ", which takes records without any signature: remove that first");
        }
        if (security.recordNodeKey().isEmpty() || security.recordNodeCertificate().isEmpty()) {
            problems.add(security.recordNodeKey().isEmpty()
                    ? "stampede.security.record-node-key: required with stampede.security.record-node-certificate"
                            + " (this node's own private key, whose public key the certificate holds)"
                    : "stampede.security.record-node-certificate: required with stampede.security.record-node-key"
                            + " (made with this node's role's key: stampede key node)");
            return problems;
        }
        if (security.recordRoleKey().isPresent()) {
            problems.add("stampede.security.record-role-key: set with stampede.security.record-node-key: a node signs"
                    + " with one of them (its own key, then: its role's private key stays with whoever makes"
                    + " certificates)");
        }
        if (security.recordKey().isEmpty()) {
            problems.add("stampede.security.record-node-key: set without stampede.security.record-key: node signatures"
                    + " come on top of the cluster's record key");
        }
        if (security.recordRolePublicKeys().isEmpty()) {
            problems.add("stampede.security.record-role-public-keys: required with stampede.security.record-node-key"
                    + " (every role's public key, to check certificates and the records this node reads)");
            return problems;
        }
        // Each setting on its own first, so that a problem names the setting that has it.
        int before = problems.size();
        check(problems, "stampede.security.record-role-public-keys",
                () -> RecordRoles.of(security.recordRolePublicKeys().get(), Optional.empty(), Optional.empty()));
        check(problems, "stampede.security.record-node-certificate",
                () -> NodeCertificate.parse(security.recordNodeCertificate().get()));
        check(problems, "stampede.security.record-node-key",
                () -> RecordRoles.privateKey(security.recordNodeKey().get()));
        if (problems.size() > before) {
            return problems;
        }
        RecordRoles roles;
        try {
            roles = RecordRoles.ofNode(security.recordRolePublicKeys().get(), security.recordNodeCertificate().get(),
                    security.recordNodeKey().get());
        } catch (IllegalArgumentException e) {
            // Each is well formed: the certificate is not its role's, or the key not the certificate's.
            problems.add((e.getMessage().startsWith("is not the private key") ? "stampede.security.record-node-key: "
                    : "stampede.security.record-node-certificate: ") + e.getMessage());
            return problems;
        }
        NodeCertificate certificate = roles.certificate().orElseThrow();
        if (certificate.role() != role || !certificate.id().equals(id)) {
            problems.add("stampede.security.record-node-certificate: it is " + certificate.role().label() + " "
                    + certificate.id() + "'s, and this node is " + role.label() + " " + id);
        } else if (!certificate.datacenter().isEmpty() && !datacenter.equals(Optional.of(certificate.datacenter()))) {
            problems.add("stampede.security.record-node-certificate: it names datacenter " + certificate.datacenter()
                    + ", and this node is " + datacenter.map(name -> "of " + name).orElse("of none"));
        } else if (certificate.datacenter().isEmpty() && role != NodeRole.GATE
                && security.recordRequireNodeCertificate()) {
            problems.add("stampede.security.record-node-certificate: it names no datacenter, and"
                    + " stampede.security.record-require-node-certificate refuses a " + role.label() + "'s records"
                    + " without one: make it again with stampede key node --datacenter");
        }
        return problems;
    }

    /** Adds {@code setting}'s problem, when {@code reading} it throws one. */
    private static void check(List<String> problems, String setting, Runnable reading) {
        try {
            reading.run();
        } catch (IllegalArgumentException e) {
            problems.add(setting + ": " + e.getMessage());
        }
    }

    /** Every problem with the record keys of a node of {@code role}; the keys themselves are never in a message. */
    public static List<String> problems(NodeConfig.Security security, NodeRole role) {
        List<String> problems = problems(security);
        Optional<String> privateKey = security.recordRoleKey();
        Optional<List<String>> publicKeys = security.recordRolePublicKeys();
        if (privateKey.isPresent() != publicKeys.isPresent()) {
            problems.add(privateKey.isPresent()
                    ? "stampede.security.record-role-public-keys: required with stampede.security.record-role-key"
                            + " (every role's public key, to check the records this node reads)"
                    : "stampede.security.record-role-key: required with stampede.security.record-role-public-keys"
                            + " (this node's role's private key, to sign the records it writes)");
            return problems;
        }
        if (privateKey.isEmpty()) {
            return problems;
        }
        if (security.recordKey().isEmpty()) {
            problems.add("stampede.security.record-role-key: set without stampede.security.record-key: role signatures"
                    + " come on top of the cluster's record key");
        }
        try {
            RecordRoles.of(publicKeys.get(), Optional.empty(), Optional.empty());
        } catch (IllegalArgumentException e) {
            problems.add("stampede.security.record-role-public-keys: " + e.getMessage());
            return problems;
        }
        try {
            RecordRoles.of(publicKeys.get(), Optional.of(role), privateKey);
        } catch (IllegalArgumentException e) {
            problems.add("stampede.security.record-role-key: " + e.getMessage());
        }
        return problems;
    }

    /** Every problem with the cluster's record keys; the keys themselves are never in a message. */
    public static List<String> problems(NodeConfig.Security security) {
        List<String> problems = new ArrayList<>();
        tooShort(security.recordKey()).ifPresent(bytes -> problems.add("stampede.security.record-key: " + bytes
                + " bytes; a record key needs at least " + RecordSigning.MIN_KEY_BYTES));
        tooShort(security.recordSecondaryKey()).ifPresent(bytes -> problems.add("stampede.security.record-secondary-key: "
                + bytes + " bytes; a record key needs at least " + RecordSigning.MIN_KEY_BYTES));
        if (security.recordSecondaryKey().isPresent() && security.recordKey().isEmpty()) {
            problems.add("stampede.security.record-secondary-key: set without stampede.security.record-key, which"
                    + " signs");
        }
        return problems;
    }

    private static Optional<Integer> tooShort(Optional<String> key) {
        return key.map(value -> value.getBytes(StandardCharsets.UTF_8).length)
                .filter(bytes -> bytes < RecordSigning.MIN_KEY_BYTES);
    }
}
