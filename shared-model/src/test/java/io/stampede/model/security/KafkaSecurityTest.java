package io.stampede.model.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class KafkaSecurityTest {

    @Test
    void scramMakesTheJaasLoginWithItsValuesEscapedAndPlaintextMakesNothing() {
        KafkaSecurity scram = KafkaSecurity.scram("stampede", "pa\"ss\\word");
        assertThat(scram.problems()).isEmpty();
        assertThat(scram.clientProperties()).containsEntry("security.protocol", "SASL_PLAINTEXT")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-256")
                .containsEntry("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required"
                        + " username=\"stampede\" password=\"pa\\\"ss\\\\word\";");
        assertThat(KafkaSecurity.PLAINTEXT.clientProperties()).isEmpty();
        assertThat(scram.toString()).doesNotContain("ss\\word").contains("SASL_PLAINTEXT", "stampede");
    }

    @Test
    void theEnvironmentRoundTripsAndTlsTakesItsTrustStore() {
        KafkaSecurity tls = new KafkaSecurity("SASL_SSL", Optional.of("SCRAM-SHA-512"), Optional.of("gate"),
                Optional.of("secret"), Optional.of("/etc/kafka/ca.pem"), Optional.empty(), Optional.of("pem"));
        assertThat(KafkaSecurity.fromEnvironment(tls.environment())).isEqualTo(tls);
        assertThat(tls.clientProperties()).containsEntry("ssl.truststore.location", "/etc/kafka/ca.pem")
                .containsEntry("ssl.truststore.type", "PEM").containsEntry("sasl.mechanism", "SCRAM-SHA-512");
        assertThat(KafkaSecurity.fromEnvironment(Map.of())).isEqualTo(KafkaSecurity.PLAINTEXT);
    }

    @Test
    void settingsThatDoNotFitTogetherAreNamed() {
        assertThat(new KafkaSecurity("SASL_PLAINTEXT", Optional.of("GSSAPI"), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty()).problems()).containsExactly(
                "stampede.kafka.sasl-mechanism: with SASL_PLAINTEXT, one of SCRAM-SHA-256, SCRAM-SHA-512, PLAIN (not 'GSSAPI')",
                "stampede.kafka.sasl-username: required with SASL_PLAINTEXT",
                "stampede.kafka.sasl-password: required with SASL_PLAINTEXT");
        assertThat(new KafkaSecurity("PLAINTEXT", Optional.empty(), Optional.of("u"), Optional.empty(),
                Optional.of("/ca.pem"), Optional.empty(), Optional.empty()).problems()).containsExactly(
                "stampede.kafka.sasl-mechanism, sasl-username, sasl-password: set only with SASL_PLAINTEXT or SASL_SSL"
                        + " (the protocol is PLAINTEXT)",
                "stampede.kafka.truststore: set only with SSL or SASL_SSL (the protocol is PLAINTEXT)");
        assertThat(new KafkaSecurity("TLS", Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty()).problems()).singleElement().asString()
                .startsWith("stampede.kafka.security-protocol: 'TLS' is not one of");
    }
}
