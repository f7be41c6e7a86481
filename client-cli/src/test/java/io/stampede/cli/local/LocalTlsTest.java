package io.stampede.cli.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/** {@code stampede local up --tls}: the certificates it makes and the settings it gives the nodes. */
class LocalTlsTest {

    @Test
    void controlAndRaftEachGetAnAuthorityAndANodeCertificateForLoopbackValidForAYear(@TempDir Path parent)
            throws Exception {
        Path directory = parent.resolve("tls");
        Map<String, String> properties = LocalTls.configure(EnumSet.of(LocalTls.CONTROL, LocalTls.RAFT), directory);

        Path certificate = Path.of(properties.get("stampede.control.tls.certificate"));
        Path privateKey = Path.of(properties.get("stampede.control.tls.private-key"));
        Path trust = Path.of(properties.get("stampede.control.tls.trust"));
        assertThat(properties).hasSize(6).containsKeys("stampede.leadership.tls.certificate",
                "stampede.leadership.tls.private-key", "stampede.leadership.tls.trust");
        assertThat(properties.get("stampede.leadership.tls.trust")).as("Raft's authority is not the probes'")
                .isNotEqualTo(trust.toString());
        assertThat(certificate).startsWith(directory);

        // Only the PEM files stay (no key store, no authority's key); the folder and the keys are the owner's only.
        try (var files = Files.list(directory)) {
            assertThat(files.map(file -> file.getFileName().toString())).containsExactlyInAnyOrder(
                    "stampede-local-control.pem", "stampede-local-control-node-chain.pem",
                    "stampede-local-control-node-key.pem", "stampede-local-raft.pem",
                    "stampede-local-raft-node-chain.pem", "stampede-local-raft-node-key.pem");
        }
        assertThat(Files.getPosixFilePermissions(directory)).containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ,
                PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);
        for (String key : List.of("stampede.control.tls.private-key", "stampede.leadership.tls.private-key")) {
            assertThat(Files.getPosixFilePermissions(Path.of(properties.get(key)))).as(key)
                    .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        }

        List<X509Certificate> chain = certificates(certificate);
        X509Certificate node = chain.get(0);
        X509Certificate authority = certificates(trust).get(0);
        node.verify(authority.getPublicKey());
        assertThat(node.getSubjectAlternativeNames()).extracting(name -> String.valueOf(name.get(1)))
                .containsExactlyInAnyOrder("127.0.0.1", "localhost");
        assertThat(node.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        assertThat(Duration.between(Instant.now(), node.getNotAfter().toInstant()))
                .isGreaterThan(Duration.ofDays(364)).isLessThanOrEqualTo(Duration.ofDays(366));

        // The private key is the certificate's: what it signs, the certificate's public key verifies.
        String pem = Files.readString(privateKey);
        assertThat(pem).startsWith("-----BEGIN PRIVATE KEY-----");
        byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
        Signature signer = Signature.getInstance("SHA256withRSA");
        signer.initSign(KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der)));
        signer.update(new byte[] {1, 2, 3});
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withRSA");
        verifier.initVerify(node.getPublicKey());
        verifier.update(new byte[] {1, 2, 3});
        assertThat(verifier.verify(signature)).isTrue();
    }

    @Test
    void withoutTlsNothingIsMadeAndNoSettingIsGiven(@TempDir Path directory) throws Exception {
        assertThat(LocalTls.configure(Set.of(), directory.resolve("tls"))).isEmpty();
        assertThat(directory.resolve("tls")).doesNotExist();
    }

    @Test
    void aPartIsLeftToTheUsersSettingsWhenAnyOfThemIsGiven() {
        Map<String, String> given = Map.of("stampede.leadership.tls.certificate", "/etc/raft.pem", "quarkus.log.level",
                "DEBUG");
        assertThat(LocalTls.RAFT.setIn(given)).isTrue();
        assertThat(LocalTls.CONTROL.setIn(given)).isFalse();
    }

    @Test
    void theOptionTakesControlRaftOrBothAndRefusesAnythingElse() {
        LocalCommand.Up up = new LocalCommand.Up();
        new CommandLine(up).parseArgs("--tls", "raft,control");
        assertThat(up.tls).containsExactlyInAnyOrder(LocalTls.CONTROL, LocalTls.RAFT);

        LocalCommand.Up none = new LocalCommand.Up();
        new CommandLine(none).parseArgs();
        assertThat(none.tls).isEmpty();

        assertThatThrownBy(() -> new CommandLine(new LocalCommand.Up()).parseArgs("--tls", "kafka"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("'kafka' is not control or raft");
    }

    private static List<X509Certificate> certificates(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
                    .map(X509Certificate.class::cast).toList();
        }
    }
}
