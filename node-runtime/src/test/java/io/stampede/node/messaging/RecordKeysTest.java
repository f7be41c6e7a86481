package io.stampede.node.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.stampede.node.config.NodeConfig;

class RecordKeysTest {

    private static NodeConfig.Security security(String key, String secondary) {
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
}
