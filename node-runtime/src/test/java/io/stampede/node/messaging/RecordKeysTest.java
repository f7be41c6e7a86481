package io.stampede.node.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.stampede.model.NodeRole;
import io.stampede.model.security.RecordRoles;
import io.stampede.node.config.NodeConfig;

class RecordKeysTest {

    private static NodeConfig.Security security(String key, String secondary) {
        return security(key, secondary, null, null);
    }

    private static NodeConfig.Security security(String key, String secondary, String roleKey, List<String> publicKeys) {
        return new NodeConfig.Security() {
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
                return false;
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
}
