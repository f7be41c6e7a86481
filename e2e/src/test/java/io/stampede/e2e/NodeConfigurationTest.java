package io.stampede.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.stampede.model.NodeRole;
import io.stampede.model.security.RecordRoles;

/**
 * A node with a wrong or missing setting stops at start-up with exit code 2 and one line per
 * problem naming the key: checked on the packaged services, configured the ways users configure
 * them (system properties and environment variables).
 */
class NodeConfigurationTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(1);

    @TempDir
    Path directory;

    @Test
    void aManagerWithoutADatacenterSaysWhichKeyIsMissing() {
        Command.Result result = Command.service("manager", directory, List.of("-Dstampede.membership.bind-host=127.0.0.1"),
                Map.of(), TIMEOUT);

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.err().lines().filter(line -> !line.isBlank())).containsExactly(
                "stampede-manager: invalid configuration: stampede.node.datacenter: required for a manager"
                        + " (set -Dstampede.node.datacenter=<name> or STAMPEDE_NODE_DATACENTER)");
    }

    @Test
    void environmentVariablesAreCheckedLikeProperties() {
        Command.Result result = Command.service("worker", directory, List.of(),
                Map.of("STAMPEDE_NODE_DATACENTER", "dc1", "STAMPEDE_PORTS_UDP", "99999",
                        "STAMPEDE_KAFKA_BOOTSTRAP_SERVERS", "kafka", "STAMPEDE_MEMBERSHIP_BIND_HOST", "127.0.0.1"), TIMEOUT);

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.err().lines().filter(line -> !line.isBlank())).containsExactly(
                "stampede-worker: invalid configuration: stampede.kafka.bootstrap-servers: 'kafka' is not host:port",
                "stampede-worker: invalid configuration: stampede.ports.udp: 99999 is not a port (0 to 65535)");
    }

    @Test
    void aMinimumProtocolAboveTheNodesOwnIsRefused() {
        Command.Result result = Command.service("worker", directory, List.of(), Map.of("STAMPEDE_NODE_DATACENTER", "dc1",
                "STAMPEDE_MEMBERSHIP_BIND_HOST", "127.0.0.1", "STAMPEDE_PROTOCOL_MINIMUM", "4.99"), TIMEOUT);

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.err().lines().filter(line -> !line.isBlank())).containsExactly(
                "stampede-worker: invalid configuration: stampede.protocol.minimum: 4.99 must be 4.x, no newer than"
                        + " this node's 4.6 (every node of the cluster runs it at least)");
    }

    @Test
    void aNodeBindingEveryAddressWithoutAMembershipKeyRefusesToStart() {
        Command.Result result = Command.service("gate", directory, List.of("-Dstampede.ports.http=0"), Map.of(), TIMEOUT);

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.err().lines().filter(line -> !line.isBlank())).singleElement().asString()
                .startsWith("stampede-gate: invalid configuration: stampede.membership.key: required when membership"
                        + " and Raft bind 0.0.0.0 (not a loopback address)");
    }

    @Test
    void aGateGivenOnlyARaftCertificateNamesTheTwoFilesMutualTlsStillNeeds() throws Exception {
        Path certificate = Files.writeString(directory.resolve("gate.pem"), "not a certificate");
        Command.Result result = Command.service("gate", directory, List.of("-Dstampede.membership.bind-host=127.0.0.1",
                "-Dstampede.ports.http=0"), Map.of("STAMPEDE_LEADERSHIP_TLS_CERTIFICATE", certificate.toString()), TIMEOUT);

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.err().lines().filter(line -> !line.isBlank())).containsExactly(
                "stampede-gate: invalid configuration: stampede.leadership.tls.private-key: required with"
                        + " stampede.leadership.tls.certificate (mutual TLS needs a certificate, its private key and"
                        + " the authorities to trust)",
                "stampede-gate: invalid configuration: stampede.leadership.tls.trust: required with"
                        + " stampede.leadership.tls.certificate (mutual TLS needs a certificate, its private key and"
                        + " the authorities to trust)");
    }

    @Test
    void aGateTakingOidcTokensWithoutAnAudienceOrAnIssuerRefusesToStart() throws Exception {
        String publicKey = publicKey();
        Command.Result result = Command.service("gate", directory, List.of("-Dstampede.membership.bind-host=127.0.0.1",
                "-Dstampede.ports.http=0", "-Dquarkus.oidc.tenant-enabled=true"),
                Map.of("QUARKUS_OIDC_PUBLIC_KEY", publicKey), TIMEOUT);

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.err().lines().filter(line -> !line.isBlank())).hasSize(2)
                .anyMatch(line -> line.startsWith("stampede-gate: invalid configuration: quarkus.oidc.token.audience:"
                        + " required while OIDC tokens are on"))
                .anyMatch(line -> line.startsWith("stampede-gate: invalid configuration: quarkus.oidc.token.issuer:"
                        + " required with quarkus.oidc.public-key"));
    }

    @Test
    void aGateGivenNamedOidcTenantsAsPropertiesOrVariablesRefusesToStartNamingThem() throws Exception {
        String publicKey = publicKey();
        Command.Result result = Command.service("gate", directory, List.of("-Dstampede.membership.bind-host=127.0.0.1",
                "-Dstampede.ports.http=0", "-Dquarkus.oidc.tenant-enabled=true", "-Dquarkus.oidc.token.audience=stampede",
                "-Dquarkus.oidc.token.issuer=https://idp.example", "-Dquarkus.oidc.partners.public-key=" + publicKey),
                Map.of("QUARKUS_OIDC_PUBLIC_KEY", publicKey, "QUARKUS_OIDC_STAFF_PUBLIC_KEY", publicKey), TIMEOUT);

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.err().lines().filter(line -> !line.isBlank())).containsExactly(
                "stampede-gate: invalid configuration: quarkus.oidc.partners.*: named OIDC tenants are not supported;"
                        + " configure the default tenant (quarkus.oidc.*) only",
                "stampede-gate: invalid configuration: quarkus.oidc.staff.*: named OIDC tenants are not supported;"
                        + " configure the default tenant (quarkus.oidc.*) only");
    }

    @Test
    void aWorkerGivenAGatesRoleKeyRefusesToStartWithoutShowingIt() {
        Map<NodeRole, List<String>> keys = RecordRoles.generate();
        String gates = keys.get(NodeRole.GATE).get(0);
        Command.Result result = Command.service("worker", directory, List.of("-Dstampede.membership.bind-host=127.0.0.1",
                "-Dstampede.ports.http=0", "-Dstampede.node.datacenter=dc1"), Map.of(
                        "STAMPEDE_SECURITY_RECORD_KEY", "a-record-key-of-32-characters-00",
                        "STAMPEDE_SECURITY_RECORD_ROLE_KEY", gates,
                        "STAMPEDE_SECURITY_RECORD_ROLE_PUBLIC_KEYS", String.join(",", RecordRoles.publicEntries(keys))),
                TIMEOUT);

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.err().lines().filter(line -> !line.isBlank())).containsExactly(
                "stampede-worker: invalid configuration: stampede.security.record-role-key: is not the workers' key:"
                        + " its signatures do not verify with the worker's public key");
        assertThat(result.toString()).doesNotContain(gates);
    }

    @Test
    void aWorkerGivenAnotherNodesCertificateRefusesToStartWithoutShowingItsKey() {
        Map<NodeRole, List<String>> keys = RecordRoles.generate();
        io.stampede.model.security.NodeCertificate.Issued another = io.stampede.model.security.NodeCertificate.issue(
                NodeRole.WORKER, "worker-dc1-2", "dc1", keys.get(NodeRole.WORKER).get(0));
        Command.Result result = Command.service("worker", directory, List.of("-Dstampede.membership.bind-host=127.0.0.1",
                "-Dstampede.ports.http=0", "-Dstampede.node.datacenter=dc1", "-Dstampede.node.id=worker-dc1-1"), Map.of(
                        "STAMPEDE_SECURITY_RECORD_KEY", "a-record-key-of-32-characters-00",
                        "STAMPEDE_SECURITY_RECORD_NODE_KEY", another.privateKey(),
                        "STAMPEDE_SECURITY_RECORD_NODE_CERTIFICATE", another.certificate(),
                        "STAMPEDE_SECURITY_RECORD_ROLE_PUBLIC_KEYS", String.join(",", RecordRoles.publicEntries(keys))),
                TIMEOUT);

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.err().lines().filter(line -> !line.isBlank())).containsExactly(
                "stampede-worker: invalid configuration: stampede.security.record-node-certificate: it is worker"
                        + " worker-dc1-2's, and this node is worker worker-dc1-1");
        assertThat(result.toString()).doesNotContain(another.privateKey());
    }

    /** An RSA public key as {@code quarkus.oidc.public-key} takes it: the base64 of its DER. */
    private static String publicKey() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return Base64.getEncoder().encodeToString(generator.generateKeyPair().getPublic().getEncoded());
    }

    @Test
    void aValueOfTheWrongTypeNamesTheKeyAndTheValue() {
        Command.Result result = Command.service("gate", directory, List.of("-Dstampede.ports.http=eighty"), Map.of(),
                TIMEOUT);

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        List<String> lines = result.err().lines().filter(line -> !line.isBlank()).toList();
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).startsWith("stampede-gate: invalid configuration:")
                .contains("stampede.ports.http").contains("eighty");
    }

    @Test
    void aMisspelledKeyIsRejectedRatherThanIgnored() {
        Command.Result result = Command.service("gate", directory, List.of("-Dstampede.node.datacentre=dc1"), Map.of(),
                TIMEOUT);

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        List<String> lines = result.err().lines().filter(line -> !line.isBlank()).toList();
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).startsWith("stampede-gate: invalid configuration:").contains("stampede.node.datacentre");
    }
}
