package io.stampede.cli.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialsTest {

    @TempDir
    Path home;

    private Path write(Path file, String key) throws Exception {
        Properties properties = new Properties();
        properties.setProperty(Credentials.API_KEY, key);
        Credentials.write(file, properties, "test");
        return file;
    }

    @Test
    void theEnvironmentComesFirstThenANamedFileThenTheLocalClustersThenTheUsers() throws Exception {
        Path local = home.resolve("project/.stampede/local");
        write(local.resolve(Credentials.LOCAL_FILE), "stk_local");
        write(home.resolve(".config/stampede/credentials"), "stk_user");
        Path named = write(home.resolve("ci-credentials"), "stk_named");

        assertThat(Credentials.apiKey(Map.of("STAMPEDE_API_KEY", "stk_env", "STAMPEDE_CREDENTIALS", named.toString()),
                Optional.of(local), home)).hasValue("stk_env");
        assertThat(Credentials.apiKey(Map.of("STAMPEDE_CREDENTIALS", named.toString()), Optional.of(local), home))
                .hasValue("stk_named");
        assertThat(Credentials.apiKey(Map.of(), Optional.of(local), home)).hasValue("stk_local");
        // Gates named by --gate or STAMPEDE_GATE never get the local cluster's key.
        assertThat(Credentials.apiKey(Map.of(), Optional.empty(), home)).hasValue("stk_user");
        assertThat(Credentials.apiKey(Map.of(), Optional.empty(), home.resolve("nobody"))).isEmpty();
    }

    @Test
    void aCredentialsFileIsWrittenForItsOwnerOnlyAndAMissingNamedOneIsAnError() throws Exception {
        Path file = write(home.resolve("credentials"), "stk_x");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThatThrownBy(() -> Credentials.apiKey(Map.of("STAMPEDE_CREDENTIALS", home.resolve("missing").toString()),
                Optional.empty(), home)).hasMessageContaining("which is not a file");
    }
}
