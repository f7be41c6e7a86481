package io.stampede.node.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.stampede.cluster.leadership.RaftLeadership;
import io.stampede.cluster.net.HostPort;
import io.stampede.local.Certificates;

class LeadershipSettingsTest {

    private final LeadershipSettings statefulSet = new LeadershipSettings(List.of(
            "gate-0@gate-0.gate-headless:9000", "gate-1@gate-1.gate-headless:9000", "gate-2@gate-2.gate-headless:9000"),
            Optional.of("/var/lib/stampede/raft"));

    @Test
    void aMemberNamedInTheListIsReachedWhereTheListSaysAndBindsTheMembershipBindHost() {
        HostPort own = statefulSet.own("gate-1").orElseThrow();

        assertThat(own).isEqualTo(new HostPort("gate-1.gate-headless", 9000));
        assertThat(statefulSet.peersExcept("gate-1")).containsOnlyKeys("gate-0", "gate-2");
        assertThat(LeadershipSettings.raftBindHost(own, "0.0.0.0")).as("a DNS name may not resolve to itself yet")
                .isEqualTo("0.0.0.0");
        assertThat(statefulSet.own("gate-7")).as("not a founder: reached at its advertise host").isEmpty();
    }

    @Test
    void whileMembershipBindsLoopbackSoDoesRaftWhereverTheMemberIsSaidToBeReached() {
        assertThat(LeadershipSettings.raftBindHost(new HostPort("10.0.0.7", 9000), "127.0.0.1")).isEqualTo("127.0.0.1");
        assertThat(LeadershipSettings.raftBindHost(new HostPort("gate-1.gate-headless", 9000), "localhost"))
                .isEqualTo("localhost");
        assertThat(LeadershipSettings.raftBindHost(new HostPort("10.0.0.7", 9000), "0.0.0.0")).isEqualTo("10.0.0.7");
    }

    @Test
    void aLocalClusterMemberBindsTheAddressItIsReachedAt() {
        assertThat(LeadershipSettings.raftBindHost(new HostPort("127.0.0.1", 9001), "0.0.0.0")).isEqualTo("127.0.0.1");
        assertThat(LeadershipSettings.raftBindHost(new HostPort("127.0.0.1", 9001), "127.0.0.1")).isEqualTo("127.0.0.1");
        assertThat(statefulSet.problems()).isEmpty();
        assertThat(new LeadershipSettings(List.of("gate-0"), Optional.of(" ")).problems()).containsExactly(
                "stampede.leadership.peers: 'gate-0' is not id@host:port",
                "stampede.leadership.storage: must name a directory");
    }

    @Test
    void raftTakesMutualTlsFromThreePemFilesAndNamesWhatIsMissingOrUnreadable(@TempDir Path directory)
            throws IOException {
        Certificates.Issued issued = Certificates.authority(directory, "ca", Duration.ofDays(2))
                .issue("gate-0");
        LeadershipSettings tls = withTls(Optional.of(issued.certificate().toString()),
                Optional.of(issued.privateKey().toString()), Optional.of(issued.trust().toString()));
        assertThat(tls.problems()).isEmpty();
        assertThat(tls.tls()).contains(new RaftLeadership.Tls(issued.certificate(), issued.privateKey(), issued.trust()));
        assertThat(statefulSet.tls()).as("plaintext unless configured").isEmpty();

        assertThat(withTls(Optional.of(issued.certificate().toString()), Optional.empty(), Optional.empty()).problems())
                .containsExactly(
                        "stampede.leadership.tls.private-key: required with stampede.leadership.tls.certificate (mutual"
                                + " TLS needs a certificate, its private key and the authorities to trust)",
                        "stampede.leadership.tls.trust: required with stampede.leadership.tls.certificate (mutual TLS"
                                + " needs a certificate, its private key and the authorities to trust)");

        Path missing = directory.resolve("missing.pem");
        Path notPem = Files.writeString(directory.resolve("not.pem"), "hello");
        assertThat(withTls(Optional.of(missing.toString()), Optional.of(issued.certificate().toString()),
                Optional.of(notPem.toString())).problems())
                .satisfiesExactly(
                        problem -> assertThat(problem).startsWith("stampede.leadership.tls.certificate: cannot read "
                                + missing),
                        problem -> assertThat(problem).startsWith("stampede.leadership.tls.trust: " + notPem
                                + " is not a PEM certificate"),
                        problem -> assertThat(problem).startsWith("stampede.leadership.tls.private-key: "
                                + issued.certificate() + " is not a PKCS#8 PEM private key"));
    }

    @Test
    void raftsTlsFilesMustFitTogetherNameTheMembersHostAndBeValidNow(@TempDir Path directory) throws Exception {
        Certificates authority = Certificates.authority(directory, "ca", Duration.ofDays(2));
        Certificates.Issued gate = authority.issue("gate-0", "dns:gate-0.gate-headless,dns:*.gates.example");
        Certificates.Issued other = authority.issue("gate-1");
        Instant now = Instant.now();
        LeadershipSettings fits = withTls(Optional.of(gate.certificate().toString()),
                Optional.of(gate.privateKey().toString()), Optional.of(gate.trust().toString()));
        assertThat(fits.problems(Optional.of("gate-0.gate-headless"), now)).isEmpty();
        assertThat(fits.problems(Optional.of("gate-9.gates.example"), now)).as("a wildcard, one label").isEmpty();
        assertThat(fits.problems(Optional.of("a.b.gates.example"), now)).singleElement().asString()
                .startsWith("stampede.leadership.tls.certificate: " + gate.certificate() + " does not name"
                        + " a.b.gates.example, where others reach this node");
        assertThat(fits.problems(Optional.of("127.0.0.1"), now)).singleElement().asString()
                .contains("does not name 127.0.0.1");

        assertThat(withTls(Optional.of(gate.certificate().toString()), Optional.of(other.privateKey().toString()),
                Optional.of(gate.trust().toString())).problems(Optional.empty(), now)).containsExactly(
                "stampede.leadership.tls.private-key: " + other.privateKey() + " is not the key of the certificate in "
                        + gate.certificate());

        // Certificates issued for 2 days: expired 10 days on, and warned of now.
        assertThat(fits.problems(Optional.empty(), now.plus(Duration.ofDays(10)))).singleElement().asString()
                .startsWith("stampede.leadership.tls.certificate: " + gate.certificate() + " expired at ");
        assertThat(fits.warnings(now)).singleElement().asString().contains(" expires at ");
        assertThat(fits.warnings(now.minus(Duration.ofDays(60)))).isEmpty();

        Path der = directory.resolve("gate-0.der");
        Files.write(der, java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(Files.newInputStream(gate.certificate())).getEncoded());
        assertThat(withTls(Optional.of(der.toString()), Optional.of(gate.privateKey().toString()),
                Optional.of(gate.trust().toString())).problems(Optional.empty(), now)).singleElement().asString()
                .isEqualTo("stampede.leadership.tls.certificate: " + der + " is not a PEM certificate"
                        + " (-----BEGIN CERTIFICATE-----)");
    }

    private LeadershipSettings withTls(Optional<String> certificate, Optional<String> privateKey,
            Optional<String> trust) {
        return new LeadershipSettings(statefulSet.peers(), statefulSet.storage(), certificate, privateKey, trust);
    }
}
