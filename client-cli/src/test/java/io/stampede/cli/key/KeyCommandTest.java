package io.stampede.cli.key;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.stampede.cli.Main;
import io.stampede.model.NodeRole;
import io.stampede.model.security.ApiKeys;
import io.stampede.model.security.RecordRoles;
import io.stampede.model.security.RecordSigning;
import io.stampede.model.security.KeyLimits;
import picocli.CommandLine;

class KeyCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine command = Main.commandLine();
        command.setOut(new PrintWriter(out));
        command.setErr(new PrintWriter(err));
        return command.execute(args);
    }

    @Test
    void roleKeysComeAsAnEnvironmentFileWhosePublicKeysCheckWhatEachRolesPrivateKeySigns() {
        assertThat(run("key", "roles")).isZero();
        java.util.Map<String, String> lines = new java.util.LinkedHashMap<>();
        out.toString().lines().filter(line -> !line.startsWith("#")).forEach(line -> {
            int equals = line.indexOf('=');
            lines.put(line.substring(0, equals), line.substring(equals + 1));
        });
        assertThat(lines).containsOnlyKeys("public-keys", "gate", "manager", "worker");
        List<String> publicKeys = List.of(lines.get("public-keys").split(","));
        for (NodeRole role : NodeRole.values()) {
            RecordSigning signing = RecordSigning.of("a-record-key-of-32-characters-00", java.util.Optional.empty())
                    .withRoles(RecordRoles.of(publicKeys, java.util.Optional.of(role),
                            java.util.Optional.of(lines.get(role.label()))));
            assertThat(signing.roles().orElseThrow().role()).contains(role);
        }
    }

    @Test
    void aNodesKeyIsCertifiedWithItsRolesKeyReadFromAFileAndSignsAsThatNodeOnly(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path directory) throws Exception {
        java.util.Map<NodeRole, List<String>> keys = RecordRoles.generate();
        java.nio.file.Path file = directory.resolve("managers");
        java.nio.file.Files.writeString(file, "manager=" + keys.get(NodeRole.MANAGER).get(0) + "\n");
        assertThat(run("key", "node", "--role", "manager", "--datacenter", "dc1", "--id", "manager-dc1-2", "--role-key-file", file.toString()))
                .isZero();
        java.util.Map<String, String> lines = new java.util.LinkedHashMap<>();
        out.toString().lines().filter(line -> !line.startsWith("#")).forEach(line -> {
            int equals = line.indexOf('=');
            lines.put(line.substring(0, equals), line.substring(equals + 1));
        });
        assertThat(lines).containsOnlyKeys("STAMPEDE_SECURITY_RECORD_NODE_KEY", "STAMPEDE_SECURITY_RECORD_NODE_CERTIFICATE");
        RecordRoles node = RecordRoles.ofNode(RecordRoles.publicEntries(keys),
                lines.get("STAMPEDE_SECURITY_RECORD_NODE_CERTIFICATE"), lines.get("STAMPEDE_SECURITY_RECORD_NODE_KEY"));
        assertThat(node.certificate().orElseThrow().id()).isEqualTo("manager-dc1-2");
        assertThat(node.certificate().orElseThrow().datacenter()).isEqualTo("dc1");
        assertThat(node.role()).contains(NodeRole.MANAGER);
        assertThat(out.toString()).doesNotContain(keys.get(NodeRole.MANAGER).get(0));

        // The workers' key cannot make a manager's certificate that checks; a wrong role or id is a usage error.
        java.nio.file.Files.writeString(file, keys.get(NodeRole.WORKER).get(0));
        assertThat(run("key", "node", "--role", "manager", "--datacenter", "dc1", "--id", "manager-dc1-2", "--role-key-file",
                file.toString())).isZero();
        String certificate = out.toString().lines().filter(line -> line.startsWith(
                "STAMPEDE_SECURITY_RECORD_NODE_CERTIFICATE=")).reduce((first, last) -> last).orElseThrow();
        String key = out.toString().lines().filter(line -> line.startsWith("STAMPEDE_SECURITY_RECORD_NODE_KEY="))
                .reduce((first, last) -> last).orElseThrow();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RecordRoles.ofNode(RecordRoles.publicEntries(keys),
                certificate.substring(certificate.indexOf('=') + 1), key.substring(key.indexOf('=') + 1)))
                .hasMessageStartingWith("is not signed by the managers' key");
        assertThat(run("key", "node", "--role", "manager", "--id", "manager-dc1-2", "--role-key-file",
                file.toString())).as("a manager without its datacenter").isEqualTo(2);
        assertThat(run("key", "node", "--role", "gate", "--datacenter", "dc1", "--id", "gate-1", "--role-key-file",
                file.toString())).as("a gate with one").isEqualTo(2);
        assertThat(run("key", "node", "--role", "boss", "--id", "x", "--role-key-file", file.toString())).isEqualTo(2);
        assertThat(run("key", "node", "--role", "worker", "--datacenter", "dc1", "--id", "a:b", "--role-key-file", file.toString()))
                .isEqualTo(2);
        assertThat(run("key", "node", "--role", "worker", "--datacenter", "dc1", "--id", "w", "--role-key-file", directory.resolve("none")
                .toString())).isEqualTo(2);
        java.nio.file.Files.writeString(file, "not a key");
        assertThat(run("key", "node", "--role", "worker", "--datacenter", "dc1", "--id", "w", "--role-key-file", file.toString())).isEqualTo(2);
        // The whole output of `stampede key roles`: the certificate is checked against its public keys.
        java.nio.file.Files.writeString(file, "public-keys=" + String.join(",", RecordRoles.publicEntries(keys))
                + "\nmanager=" + keys.get(NodeRole.WORKER).get(0) + "\n");
        assertThat(run("key", "node", "--role", "manager", "--datacenter", "dc1", "--id", "manager-dc1-2", "--role-key-file",
                file.toString())).as("a worker's key under the managers' name").isEqualTo(2);
        java.nio.file.Files.writeString(file, "worker=" + keys.get(NodeRole.WORKER).get(0) + "\n");
        assertThat(run("key", "node", "--role", "manager", "--datacenter", "dc1", "--id", "manager-dc1-2", "--role-key-file",
                file.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--datacenter is required for a manager",
                "a gate belongs to no datacenter", "'boss' is not a role", "'a:b' is not a node id",
                "cannot read --role-key-file", "the --role-key-file's worker key is not an Ed25519 private key",
                "the --role-key-file's manager key is not signed by the managers' key",
                "has no manager= line");
    }

    @Test
    void aNewKeyComesWithTheEntryThatAcceptsItAndOnlyItsHash() {
        assertThat(run("key", "new", "--name", "ci", "--roles", "submit,read")).isZero();
        List<String> lines = out.toString().lines().toList();
        String key = lines.get(0).substring("key:   ".length());
        String entry = lines.get(1).substring("entry: ".length());
        assertThat(key).startsWith(ApiKeys.PREFIX);
        assertThat(entry).startsWith("ci:read+submit:").doesNotContain(key.substring(ApiKeys.PREFIX.length()));
        ApiKeys.Parsed parsed = ApiKeys.parse(List.of(entry), "test");
        assertThat(parsed.problems()).isEmpty();
        assertThat(parsed.keys().find(key).orElseThrow().roles())
                .containsExactlyInAnyOrder(ApiKeys.Role.READ, ApiKeys.Role.SUBMIT);
    }

    @Test
    void aWrongRoleOrNameIsAUsageError() {
        assertThat(run("key", "new", "--name", "ci", "--roles", "reader")).isEqualTo(2);
        assertThat(err.toString()).contains("'reader' is not a role (read, submit, admin)");
        assertThat(run("key", "new", "--name", "two words")).isEqualTo(2);
        assertThat(err.toString()).contains("the name 'two words' must be");
    }

    @Test
    void aKeyMayBeGivenLimitsWhichItsEntryCarries() {
        assertThat(run("key", "new", "--name", "ci", "--max-vus", "200", "--max-rate", "50", "--max-duration", "30m"))
                .isZero();
        String key = out.toString().lines().findFirst().orElseThrow().substring("key:   ".length());
        String entry = out.toString().lines().skip(1).findFirst().orElseThrow().substring("entry: ".length());
        assertThat(entry).endsWith(":vus=200;rate=50;duration=30m");
        assertThat(ApiKeys.parse(List.of(entry), "test").keys().find(key).orElseThrow().limits())
                .isEqualTo(KeyLimits.parse("vus=200;rate=50;duration=30m"));
        assertThat(run("key", "new", "--name", "ci", "--max-duration", "soon")).isEqualTo(2);
        assertThat(err.toString()).contains("--max-duration must be a duration above 0, such as 30m or 2h");
    }
}
