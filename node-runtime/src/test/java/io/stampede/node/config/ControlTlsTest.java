package io.stampede.node.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.stampede.local.Certificates;

class ControlTlsTest {

    private static final boolean MANAGER = true;
    private static final boolean GATE = false;

    @Test
    void probesArePlainOnTheHttpPortUnlessAllThreeFilesAreGiven(@TempDir Path directory) throws Exception {
        Certificates.Issued manager = Certificates.authority(directory, "ca", Duration.ofDays(2))
                .issue("manager-dc1-1");
        ControlTls off = new ControlTls(Optional.empty(), Optional.empty(), Optional.empty(), 9443, "127.0.0.1");
        assertThat(off.on()).isFalse();
        assertThat(off.problems(MANAGER, 8080, Instant.now())).isEmpty();
        assertThat(off.probeAddress(8080)).isEqualTo("127.0.0.1:8080");

        ControlTls on = files(manager, 9443, "127.0.0.1");
        assertThat(on.on()).isTrue();
        assertThat(on.files()).contains(new ControlTls.Files(manager.certificate(), manager.privateKey(),
                manager.trust()));
        assertThat(on.problems(MANAGER, 8080, Instant.now())).isEmpty();
        assertThat(on.probeAddress(8080)).isEqualTo("127.0.0.1:9443");
        assertThat(files(manager, 9443, "::1").probeAddress(8080)).isEqualTo("[::1]:9443");

        ControlTls half = new ControlTls(Optional.of(manager.certificate().toString()), Optional.empty(),
                Optional.of(manager.trust().toString()), 9443, "127.0.0.1");
        assertThat(half.on()).isFalse();
        assertThat(half.problems(GATE, 8080, Instant.now())).containsExactly(
                "stampede.control.tls.private-key: required with stampede.control.tls.certificate (mutual TLS needs a"
                        + " certificate, its private key and the authorities to trust)");
    }

    @Test
    void aManagersCertificateNamesTheHostGatesProbeAndItsPortIsItsOwn(@TempDir Path directory) throws Exception {
        Certificates.Issued named = Certificates.authority(directory, "ca", Duration.ofDays(2))
                .issue("manager-dc1-1", "dns:*.manager-dc1");
        Instant now = Instant.now();
        assertThat(files(named, 9443, "manager-dc1-0.manager-dc1").problems(MANAGER, 8080, now)).isEmpty();
        assertThat(files(named, 9443, "10.0.0.7").problems(MANAGER, 8080, now)).singleElement().asString()
                .startsWith("stampede.control.tls.certificate: " + named.certificate()
                        + " does not name 10.0.0.7, where others reach this node");
        assertThat(files(named, 9443, "10.0.0.7").problems(GATE, 8080, now)).as("a gate's names are not checked")
                .isEmpty();

        ControlTls stable = files(named, 8080, "manager-dc1-0.manager-dc1");
        assertThat(stable.problems(MANAGER, 8080, now)).containsExactly("stampede.ports.control: 8080 is also the HTTP port");
        assertThat(files(named, 0, "manager-dc1-0.manager-dc1").problems(MANAGER, 8080, now)).singleElement()
                .asString().startsWith("stampede.ports.control: 0 is not a port (1 to 65535)");
        assertThat(files(named, 0, "gate-0").problems(GATE, 8080, now)).as("a gate listens on no control port")
                .isEmpty();

        // Certificates issued for 2 days: expired 10 days on, and warned of now.
        ControlTls gate = files(named, 9443, "gate-0");
        assertThat(gate.problems(GATE, 8080, now.plus(Duration.ofDays(10)))).singleElement().asString()
                .startsWith("stampede.control.tls.certificate: " + named.certificate() + " expired at ");
        assertThat(gate.warnings(now)).singleElement().asString()
                .startsWith("stampede.control.tls.certificate: ").contains(" expires at ");
        assertThat(gate.warnings(now.minus(Duration.ofDays(60)))).isEmpty();
    }

    private static ControlTls files(Certificates.Issued issued, int port, String advertiseHost) {
        return new ControlTls(Optional.of(issued.certificate().toString()), Optional.of(issued.privateKey().toString()),
                Optional.of(issued.trust().toString()), port, advertiseHost);
    }
}
