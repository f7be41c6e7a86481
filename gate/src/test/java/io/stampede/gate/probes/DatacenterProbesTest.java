package io.stampede.gate.probes;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.stampede.local.Certificates;
import io.stampede.node.config.ControlTls;
import io.vertx.core.http.HttpClientOptions;

/** The options the gate's probe client is built with (docs/security.md#probes-over-mutual-tls). */
class DatacenterProbesTest {

    @Test
    void plainProbesAreHttp2WithPriorKnowledgeNeverAnUpgrade() {
        HttpClientOptions options = DatacenterProbes.clientOptions(
                new ControlTls(Optional.empty(), Optional.empty(), Optional.empty(), 9443, "127.0.0.1"));
        // The HTTP/1.1 upgrade garbles large answers (docs/api.md).
        assertThat(options.isHttp2ClearTextUpgrade()).isFalse();
        assertThat(options.isSsl()).isFalse();
    }

    @Test
    void probesWithCertificatesAreTlsCheckingTheManagersName(@TempDir Path directory) throws Exception {
        Certificates.Issued gate = Certificates.authority(directory, "control", Duration.ofDays(2)).issue("gate");
        HttpClientOptions options = DatacenterProbes.clientOptions(new ControlTls(
                Optional.of(gate.certificate().toString()), Optional.of(gate.privateKey().toString()),
                Optional.of(gate.trust().toString()), 9443, "127.0.0.1"));
        assertThat(options.isSsl()).isTrue();
        assertThat(options.isUseAlpn()).isTrue();
        assertThat(options.isVerifyHost()).isTrue();
        assertThat(options.getKeyCertOptions()).isNotNull();
        assertThat(options.getTrustOptions()).isNotNull();
    }
}
