package io.stampede.cli.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.stampede.model.NodeRole;
import io.stampede.model.Topics;
import io.stampede.model.security.RecordSigning;

/** A local cluster's secrets: what each node gets, and what survives the credentials file. */
class LocalSecretsTest {

    @Test
    void eachNodeGetsItsOwnRolesPrivateKeyOnlyAndEveryRolesPublicKey(@TempDir Path directory) throws Exception {
        LocalSecrets made = LocalSecrets.create(directory, null, false, new SecureRandom());
        LocalSecrets read = LocalSecrets.read(directory);
        assertThat(read.roleKeys()).isEqualTo(made.roleKeys()).containsOnlyKeys(NodeRole.values());

        for (NodeRole role : NodeRole.values()) {
            Map<String, String> environment = read.nodeEnvironment(role);
            assertThat(environment.get("STAMPEDE_SECURITY_RECORD_ROLE_KEY")).as(role.label())
                    .isEqualTo(read.roleKeys().get(role).get(0));
            for (NodeRole other : NodeRole.values()) {
                if (other != role) {
                    assertThat(String.join("\n", environment.values())).as("%s's environment", role.label())
                            .doesNotContain(read.roleKeys().get(other).get(0));
                }
            }
            assertThat(environment.get("STAMPEDE_SECURITY_RECORD_ROLE_PUBLIC_KEYS"))
                    .contains("gate=", "manager=", "worker=");
        }
        // What a worker of this cluster signs, a checker of it takes, on the worker's own topic only.
        RecordSigning worker = read.recordSigning(Optional.of(NodeRole.WORKER));
        byte[] value = "{}".getBytes(StandardCharsets.UTF_8);
        Map<String, byte[]> headers = worker.headers(Topics.progress("dc1"), "job-1", value);
        assertThat(read.recordSigning().check(Topics.progress("dc1"), "job-1", value, headers::get)).isEmpty();
        assertThat(read.recordSigning().check(Topics.dispatch("dc1"), "job-1", value, headers::get))
                .contains(RecordSigning.Refusal.WRONG_ROLE);
        assertThat(read.toString()).isEqualTo("LocalSecrets[api key, membership key, record key, role keys]");
    }
}
