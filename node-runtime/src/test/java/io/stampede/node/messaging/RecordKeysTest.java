package io.stampede.node.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.stampede.model.NodeRole;
import io.stampede.model.security.NodeCertificate;
import io.stampede.model.security.RecordRoles;
import io.stampede.model.security.RecordSigning;
import io.stampede.node.config.NodeConfig;

class RecordKeysTest {

    private static final Optional<String> DC1 = Optional.of("dc1");

    private static NodeConfig.Security security(String key, String secondary) {
        return security(key, secondary, null, null);
    }

    private static NodeConfig.Security security(String key, String secondary, String roleKey, List<String> publicKeys) {
        return security(key, secondary, roleKey, publicKeys, null, null);
    }

    /** Settings of a node given its own key and certificate (and, wrongly, maybe its role's key too). */
    private static NodeConfig.Security node(String key, String roleKey, List<String> publicKeys, String nodeKey,
            String certificate) {
        return security(key, null, roleKey, publicKeys, nodeKey, certificate);
    }

    private static NodeConfig.Security security(String key, String secondary, String roleKey, List<String> publicKeys,
            String nodeKey, String certificate) {
        return security(key, secondary, roleKey, publicKeys, nodeKey, certificate, false, false);
    }

    /** Settings of a node that requires certificates on the records it reads. */
    private static NodeConfig.Security requiring(String key, List<String> publicKeys, String nodeKey,
            String certificate) {
        return security(key, null, null, publicKeys, nodeKey, certificate, true, false);
    }

    private static NodeConfig.Security security(String key, String secondary, String roleKey, List<String> publicKeys,
            String nodeKey, String certificate, boolean requireCertificates, boolean acceptRoleUnsigned) {
        return new NodeConfig.Security() {
            @Override
            public boolean recordRequireNodeCertificate() {
                return requireCertificates;
            }

            @Override
            public boolean authentication() {
                return true;
            }

            @Override
            public Optional<List<String>> apiKeys() {
                return Optional.empty();
            }

            @Override
            public Optional<String> apiKeysFile() {
                return Optional.empty();
            }

            @Override
            public Optional<List<String>> oidcRoles() {
                return Optional.empty();
            }

            @Override
            public Optional<String> oidcLimits() {
                return Optional.empty();
            }

            @Override
            public Optional<String> recordKey() {
                return Optional.ofNullable(key);
            }

            @Override
            public Optional<String> recordSecondaryKey() {
                return Optional.ofNullable(secondary);
            }

            @Override
            public boolean recordAcceptUnsigned() {
                return false;
            }

            @Override
            public Optional<String> recordRoleKey() {
                return Optional.ofNullable(roleKey);
            }

            @Override
            public Optional<List<String>> recordRolePublicKeys() {
                return Optional.ofNullable(publicKeys);
            }

            @Override
            public boolean recordRoleAcceptUnsigned() {
                return acceptRoleUnsigned;
            }

            @Override
            public Optional<String> recordNodeKey() {
                return Optional.ofNullable(nodeKey);
            }

            @Override
            public Optional<String> recordNodeCertificate() {
                return Optional.ofNullable(certificate);
            }
        };
    }

    @Test
    void recordsAreSignedOnlyWithAKeyAndShortOrOrphanKeysAreNamedWithoutBeingShown() {
        assertThat(RecordKeys.of(security(null, null)).on()).isFalse();
        assertThat(RecordKeys.problems(security(null, null))).isEmpty();
        assertThat(RecordKeys.of(security("sixteen-bytes-ok", null)).on()).isTrue();
        assertThat(RecordKeys.problems(security("short-key", "orphan"))).containsExactly(
                "stampede.security.record-key: 9 bytes; a record key needs at least 16",
                "stampede.security.record-secondary-key: 6 bytes; a record key needs at least 16");
        assertThat(RecordKeys.problems(security(null, "a-secondary-key-alone"))).containsExactly(
                "stampede.security.record-secondary-key: set without stampede.security.record-key, which signs");
    }

    @Test
    void roleKeysSignAsTheNodesRoleAndSettingsThatCannotWorkAreNamedWithoutShowingAKey() {
        Map<NodeRole, List<String>> keys = RecordRoles.generate();
        List<String> publicKeys = RecordRoles.publicEntries(keys);
        String workers = keys.get(NodeRole.WORKER).get(0);
        NodeConfig.Security worker = security("sixteen-bytes-ok", null, workers, publicKeys);

        assertThat(RecordKeys.problems(worker, NodeRole.WORKER)).isEmpty();
        assertThat(RecordKeys.of(worker, NodeRole.WORKER).roles().orElseThrow().role()).contains(NodeRole.WORKER);
        assertThat(RecordKeys.of(security("sixteen-bytes-ok", null), NodeRole.WORKER).roles()).isEmpty();
        assertThat(RecordKeys.problems(worker, NodeRole.MANAGER)).containsExactly("stampede.security.record-role-key:"
                + " is not the managers' key: its signatures do not verify with the manager's public key");
        assertThat(RecordKeys.problems(security("sixteen-bytes-ok", null, workers, null), NodeRole.WORKER))
                .singleElement().asString().startsWith("stampede.security.record-role-public-keys: required with");
        assertThat(RecordKeys.problems(security("sixteen-bytes-ok", null, null, publicKeys), NodeRole.WORKER))
                .singleElement().asString().startsWith("stampede.security.record-role-key: required with");
        assertThat(RecordKeys.problems(security(null, null, workers, publicKeys), NodeRole.WORKER)).singleElement()
                .asString().startsWith("stampede.security.record-role-key: set without stampede.security.record-key");
        assertThat(RecordKeys.problems(security("sixteen-bytes-ok", null, workers, publicKeys.subList(0, 2)),
                NodeRole.WORKER)).containsExactly("stampede.security.record-role-public-keys: no key for worker:"
                        + " every role's public key is needed");
        assertThat(String.join("\n", RecordKeys.problems(worker, NodeRole.GATE))).doesNotContain(workers);
    }

    @Test
    void aNodesOwnKeySignsAsThatNodeAndSettingsThatCannotWorkAreNamedWithoutShowingAKey() {
        Map<NodeRole, List<String>> keys = RecordRoles.generate();
        List<String> publicKeys = RecordRoles.publicEntries(keys);
        NodeCertificate.Issued issued = NodeCertificate.issue(NodeRole.WORKER, "worker-dc1-1", "dc1",
                keys.get(NodeRole.WORKER).get(0));
        NodeConfig.Security worker = node("sixteen-bytes-ok", null, publicKeys, issued.privateKey(),
                issued.certificate());

        assertThat(RecordKeys.problems(worker, NodeRole.WORKER, "worker-dc1-1", DC1)).isEmpty();
        RecordRoles roles = RecordKeys.of(worker, NodeRole.WORKER).roles().orElseThrow();
        assertThat(roles.role()).contains(NodeRole.WORKER);
        assertThat(roles.certificate().orElseThrow().id()).isEqualTo("worker-dc1-1");

        assertThat(RecordKeys.problems(worker, NodeRole.WORKER, "worker-dc1-2", DC1)).containsExactly(
                "stampede.security.record-node-certificate: it is worker worker-dc1-1's, and this node is worker"
                        + " worker-dc1-2");
        assertThat(RecordKeys.problems(worker, NodeRole.MANAGER, "worker-dc1-1", DC1)).containsExactly(
                "stampede.security.record-node-certificate: it is worker worker-dc1-1's, and this node is manager"
                        + " worker-dc1-1");
        NodeCertificate.Issued another = NodeCertificate.issue(NodeRole.WORKER, "worker-dc1-1", "dc1",
                keys.get(NodeRole.WORKER).get(0));
        List<String> mismatched = RecordKeys.problems(node("sixteen-bytes-ok", null, publicKeys,
                another.privateKey(), issued.certificate()), NodeRole.WORKER, "worker-dc1-1", DC1);
        assertThat(mismatched).containsExactly("stampede.security.record-node-key: is not the private key of the"
                + " certificate's public key");
        NodeCertificate.Issued byManagers = NodeCertificate.issue(NodeRole.WORKER, "worker-dc1-1", "dc1",
                keys.get(NodeRole.MANAGER).get(0));
        assertThat(RecordKeys.problems(node("sixteen-bytes-ok", null, publicKeys, byManagers.privateKey(),
                byManagers.certificate()), NodeRole.WORKER, "worker-dc1-1", DC1)).containsExactly(
                        "stampede.security.record-node-certificate: is not signed by the workers' key: it does not"
                                + " verify with the worker's public key");
        assertThat(RecordKeys.problems(node("sixteen-bytes-ok", null, publicKeys, issued.privateKey(), null),
                NodeRole.WORKER, "worker-dc1-1", DC1)).singleElement().asString()
                .startsWith("stampede.security.record-node-certificate: required with");
        assertThat(RecordKeys.problems(node("sixteen-bytes-ok", null, null, issued.privateKey(),
                issued.certificate()), NodeRole.WORKER, "worker-dc1-1", DC1)).singleElement().asString()
                .startsWith("stampede.security.record-role-public-keys: required with");
        assertThat(RecordKeys.problems(node("sixteen-bytes-ok", keys.get(NodeRole.WORKER).get(0), publicKeys,
                issued.privateKey(), issued.certificate()), NodeRole.WORKER, "worker-dc1-1", DC1)).singleElement()
                .asString().startsWith("stampede.security.record-role-key: set with stampede.security.record-node-key");
        assertThat(RecordKeys.problems(node(null, null, publicKeys, issued.privateKey(), issued.certificate()),
                NodeRole.WORKER, "worker-dc1-1", DC1)).singleElement().asString()
                .startsWith("stampede.security.record-node-key: set without stampede.security.record-key");
        assertThat(RecordKeys.problems(node("sixteen-bytes-ok", null, publicKeys, "bm90IGEga2V5",
                issued.certificate()), NodeRole.WORKER, "worker-dc1-1", DC1)).containsExactly(
                        "stampede.security.record-node-key: is not an Ed25519 private key (base64 of its PKCS#8 form)");
        assertThat(RecordKeys.problems(node("sixteen-bytes-ok", null, publicKeys, issued.privateKey(),
                "worker:worker-dc1-1"), NodeRole.WORKER, "worker-dc1-1", DC1)).containsExactly(
                        "stampede.security.record-node-certificate: not a node certificate (role:id:datacenter:public key:signature)");
        assertThat(RecordKeys.problems(node("sixteen-bytes-ok", null, publicKeys.subList(0, 2), issued.privateKey(),
                issued.certificate()), NodeRole.WORKER, "worker-dc1-1", DC1)).containsExactly(
                        "stampede.security.record-role-public-keys: no key for worker: every role's public key is needed");
        assertThat(String.join("\n", mismatched)).doesNotContain(another.privateKey()).doesNotContain(
                issued.privateKey());
        // Without a node key, a node is checked as before.
        assertThat(RecordKeys.problems(node("sixteen-bytes-ok", null, null, null, null), NodeRole.WORKER,
                "worker-dc1-1", DC1)).isEmpty();
    }

    @Test
    void aCertificateNamesTheNodesOwnDatacenterAndRequiringCertificatesNeedsOneThatDoes() {
        Map<NodeRole, List<String>> keys = RecordRoles.generate();
        List<String> publicKeys = RecordRoles.publicEntries(keys);
        NodeCertificate.Issued dc1 = NodeCertificate.issue(NodeRole.WORKER, "worker-dc1-1", "dc1",
                keys.get(NodeRole.WORKER).get(0));
        assertThat(RecordKeys.problems(node("sixteen-bytes-ok", null, publicKeys, dc1.privateKey(), dc1.certificate()),
                NodeRole.WORKER, "worker-dc1-1", Optional.of("dc2"))).containsExactly(
                        "stampede.security.record-node-certificate: it names datacenter dc1, and this node is of dc2");

        NodeCertificate.Issued none = NodeCertificate.issue(NodeRole.WORKER, "worker-dc1-1", "",
                keys.get(NodeRole.WORKER).get(0));
        assertThat(RecordKeys.problems(node("sixteen-bytes-ok", null, publicKeys, none.privateKey(), none.certificate()),
                NodeRole.WORKER, "worker-dc1-1", DC1)).as("one made before certificates named datacenters").isEmpty();
        assertThat(RecordKeys.problems(requiring("sixteen-bytes-ok", publicKeys, none.privateKey(), none.certificate()),
                NodeRole.WORKER, "worker-dc1-1", DC1)).singleElement().asString().startsWith(
                        "stampede.security.record-node-certificate: it names no datacenter, and"
                                + " stampede.security.record-require-node-certificate refuses a worker's records");
        assertThat(RecordKeys.problems(requiring("sixteen-bytes-ok", null, null, null), NodeRole.WORKER,
                "worker-dc1-1", DC1)).singleElement().asString().startsWith(
                        "stampede.security.record-require-node-certificate: set without"
                                + " stampede.security.record-node-key");

        NodeConfig.Security required = requiring("sixteen-bytes-ok", publicKeys, dc1.privateKey(), dc1.certificate());
        assertThat(RecordKeys.problems(required, NodeRole.WORKER, "worker-dc1-1", DC1)).isEmpty();
        assertThat(RecordKeys.problems(security("sixteen-bytes-ok", null, null, publicKeys, dc1.privateKey(),
                dc1.certificate(), true, true), NodeRole.WORKER, "worker-dc1-1", DC1)).as("beside a setting that takes"
                        + " records without a role signature").containsExactly(
                                "stampede.security.record-require-node-certificate: set with"
                                        + " stampede.security.record-role-accept-unsigned, which takes records without"
                                        + " any signature: remove that first");
        // Such a node refuses a record signed with a role's own key; one that does not require certificates takes it.
        RecordSigning asRole = RecordKeys.of(security("sixteen-bytes-ok", null, keys.get(NodeRole.WORKER).get(0),
                publicKeys), NodeRole.WORKER);
        byte[] value = "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        String topic = io.stampede.model.Topics.progress("dc1");
        Map<String, byte[]> headers = asRole.headers(topic, "job-1", value);
        assertThat(RecordKeys.of(required, NodeRole.WORKER).check(topic, "job-1", value, headers::get))
                .contains(RecordSigning.Refusal.UNCERTIFIED);
        assertThat(RecordKeys.of(node("sixteen-bytes-ok", null, publicKeys, dc1.privateKey(), dc1.certificate()),
                NodeRole.WORKER).check(topic, "job-1", value, headers::get)).isEmpty();
    }
}
