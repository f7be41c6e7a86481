package io.stampede.cli.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.stampede.cli.gate.Credentials;
import io.stampede.model.JobId;
import io.stampede.model.NodeRole;
import io.stampede.model.Topics;
import io.stampede.model.security.NodeCertificate;
import io.stampede.model.security.RecordRoles;
import io.stampede.model.security.RecordSigning;
import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.Payload;
import io.stampede.model.wire.RecordCodec;
import io.stampede.model.wire.Subject;

/** A local cluster's secrets: what each node gets, and what survives the credentials file. */
class LocalSecretsTest {

    @Test
    void eachNodeGetsAKeyOfItsOwnCertifiedByItsRoleNoRolesPrivateKeyAndEveryRolesPublicKey(@TempDir Path directory)
            throws Exception {
        LocalSecrets made = LocalSecrets.create(directory, null, false, new SecureRandom());
        LocalSecrets read = LocalSecrets.read(directory);
        assertThat(read.roleKeys()).isEqualTo(made.roleKeys()).containsOnlyKeys(NodeRole.values());

        for (NodeRole role : NodeRole.values()) {
            String id = role.label() + "-dc1-1";
            Map<String, String> environment = read.nodeEnvironment(role, id, role == NodeRole.GATE ? "" : "dc1");
            assertThat(environment).doesNotContainKey("STAMPEDE_SECURITY_RECORD_ROLE_KEY");
            for (NodeRole any : NodeRole.values()) {
                assertThat(String.join("\n", environment.values())).as("%s's environment", role.label())
                        .doesNotContain(read.roleKeys().get(any).get(0));
            }
            assertThat(environment.get("STAMPEDE_SECURITY_RECORD_ROLE_PUBLIC_KEYS"))
                    .contains("gate=", "manager=", "worker=");
            NodeCertificate certificate = NodeCertificate.parse(environment.get(
                    "STAMPEDE_SECURITY_RECORD_NODE_CERTIFICATE"));
            assertThat(certificate.role()).isEqualTo(role);
            assertThat(certificate.id()).isEqualTo(id);
            assertThat(certificate.datacenter()).isEqualTo(role == NodeRole.GATE ? "" : "dc1");

            // What the node signs, the cluster takes in its own name only.
            RecordSigning node = RecordSigning.of(read.recordKey(), Optional.empty()).withRoles(RecordRoles.ofNode(
                    List.of(environment.get("STAMPEDE_SECURITY_RECORD_ROLE_PUBLIC_KEYS").split(",")),
                    environment.get("STAMPEDE_SECURITY_RECORD_NODE_CERTIFICATE"),
                    environment.get("STAMPEDE_SECURITY_RECORD_NODE_KEY")));
            String topic = role == NodeRole.GATE ? Topics.jobs("dc1") : role == NodeRole.MANAGER
                    ? Topics.dispatch("dc1") : Topics.progress("dc1");
            Payload payload = role == NodeRole.GATE ? new Payload.JobCancelRequested("test")
                    : role == NodeRole.MANAGER ? new Payload.WorkflowCancelRequested("w", "worker-dc1-1", 0)
                    : new Payload.ExtensionRequested("w", id, 0, 1, 1, 1);
            for (String sender : List.of(id, "intruder")) {
                byte[] value = RecordCodec.encode(Envelope.of(Subject.job(JobId.of("job-1")), sender, 1, 1, 1L,
                        payload));
                assertThat(read.recordSigning().check(topic, "job-1", value, node.headers(topic, "job-1", value)::get))
                        .as("%s's record in the name of %s", id, sender)
                        .isEqualTo(sender.equals(id) ? Optional.empty() : Optional.of(RecordSigning.Refusal.UNKNOWN_SENDER));
            }
        }
        assertThat(read.nodeEnvironment(NodeRole.WORKER, "worker-dc1-1", "dc1").get("STAMPEDE_SECURITY_RECORD_NODE_KEY"))
                .as("a new key each time a node starts").isNotEqualTo(read.nodeEnvironment(NodeRole.WORKER,
                        "worker-dc1-1", "dc1").get("STAMPEDE_SECURITY_RECORD_NODE_KEY"));
        // What a worker of this cluster signs, a checker of it takes, on the worker's own topic only.
        RecordSigning worker = read.recordSigning(Optional.of(NodeRole.WORKER));
        byte[] value = "{}".getBytes(StandardCharsets.UTF_8);
        Map<String, byte[]> headers = worker.headers(Topics.progress("dc1"), "job-1", value);
        assertThat(read.recordSigning().check(Topics.progress("dc1"), "job-1", value, headers::get)).isEmpty();
        assertThat(read.recordSigning().check(Topics.dispatch("dc1"), "job-1", value, headers::get))
                .contains(RecordSigning.Refusal.WRONG_ROLE);
        assertThat(read.toString()).isEqualTo("LocalSecrets[api key, membership key, record key, role keys]");
    }
    @Test
    void aNewClusterGetsANewApiKeyInAFileOnlyItsOwnerReadsAndItsNodesGetOnlyItsHash(@TempDir Path directory)
            throws Exception {
        LocalSecrets made = LocalSecrets.create(directory, null, false, new SecureRandom());
        assertThat(made.apiKey()).startsWith(io.stampede.model.security.ApiKeys.PREFIX).hasSizeGreaterThan(40);
        Path file = directory.resolve(Credentials.LOCAL_FILE);
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(java.nio.file.Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        java.util.Properties written = new java.util.Properties();
        try (var in = java.nio.file.Files.newInputStream(file)) {
            written.load(in);
        }
        assertThat(written.getProperty(Credentials.API_KEY)).isEqualTo(made.apiKey());
        assertThat(LocalSecrets.create(java.nio.file.Files.createDirectories(directory.resolve("another")), " ", false, new SecureRandom()).apiKey())
                .as("a blank key given is none: a new one").startsWith(io.stampede.model.security.ApiKeys.PREFIX)
                .isNotEqualTo(made.apiKey());
        assertThat(String.join("\n", made.nodeEnvironment(NodeRole.GATE, "gate-1", "").values()))
                .as("a gate is given the key's hash").doesNotContain(made.apiKey());
    }
}
