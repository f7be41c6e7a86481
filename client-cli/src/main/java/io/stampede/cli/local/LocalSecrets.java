package io.stampede.cli.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.random.RandomGenerator;

import io.stampede.cli.gate.Credentials;
import io.stampede.model.security.ApiKeys;
import io.stampede.model.security.KafkaSecurity;
import io.stampede.model.security.RecordSigning;

/**
 * A local cluster's secrets, made at {@code stampede local up} and kept in its credentials file
 * (mode 600): the API key the command line sends (an admin key named {@code local}), the membership
 * key that signs its nodes' datagrams, the record key that signs their Kafka records, and, with
 * {@code --kafka-auth scram}, the broker's SCRAM user. Nodes get them in their environment: the API
 * key's hash, the membership and record keys, the Kafka settings.
 */
record LocalSecrets(String apiKey, String membershipKey, String recordKey, Optional<KafkaSecurity> kafka) {

    /**
     * The variable whose value, when set, is the cluster's API key instead of a new one: for test
     * suites that start many clusters with one key. Never {@code STAMPEDE_API_KEY}, which may hold a
     * key of a real installation that must not be written here.
     */
    static final String API_KEY_VARIABLE = "STAMPEDE_LOCAL_API_KEY";

    /** The broker's SCRAM user, when there is one. */
    static final String KAFKA_USER = "stampede";
    private static final String KAFKA_PASSWORD = "kafka-password";
    private static final String RECORD_KEY = "record-key";

    /** Makes new secrets and writes them; {@code apiKey} is used as the API key when given. */
    static LocalSecrets create(Path directory, String apiKey, boolean kafkaScram, RandomGenerator random)
            throws IOException {
        LocalSecrets secrets = new LocalSecrets(apiKey == null || apiKey.isBlank() ? ApiKeys.generate(random) : apiKey.strip(),
                randomText(random), randomText(random), kafkaScram
                        ? Optional.of(KafkaSecurity.scram(KAFKA_USER, randomText(random))) : Optional.empty());
        Properties properties = new Properties();
        properties.setProperty(Credentials.API_KEY, secrets.apiKey());
        properties.setProperty(Credentials.MEMBERSHIP_KEY, secrets.membershipKey());
        properties.setProperty(RECORD_KEY, secrets.recordKey());
        secrets.kafka().ifPresent(kafka -> properties.setProperty(KAFKA_PASSWORD, kafka.password().orElseThrow()));
        Credentials.write(directory.resolve(Credentials.LOCAL_FILE), properties,
                "The local cluster's secrets (docs/security.md): the CLI sends api-key; its nodes sign membership with"
                        + " membership-key, sign their records with record-key, and log in to Kafka as '" + KAFKA_USER
                        + "' with kafka-password, when set");
        return secrets;
    }

    /** 256 random bits, URL-safe (letters, digits, dashes and underscores). */
    private static String randomText(RandomGenerator random) {
        byte[] bits = new byte[32];
        random.nextBytes(bits);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bits);
    }

    /** The secrets of the cluster in {@code directory}. */
    static LocalSecrets read(Path directory) {
        Path file = directory.resolve(Credentials.LOCAL_FILE);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("the local cluster in " + directory + " has no credentials file: `stampede"
                    + " local down` and `up` again");
        }
        Properties properties = Credentials.read(file).orElseThrow();
        return new LocalSecrets(properties.getProperty(Credentials.API_KEY, ""),
                properties.getProperty(Credentials.MEMBERSHIP_KEY, ""), properties.getProperty(RECORD_KEY, ""),
                Optional.ofNullable(properties.getProperty(KAFKA_PASSWORD)).map(password -> KafkaSecurity.scram(KAFKA_USER,
                        password)));
    }

    /** How a client connects to the cluster's broker. */
    KafkaSecurity kafkaSecurity() {
        return kafka.orElse(KafkaSecurity.PLAINTEXT);
    }

    /** Names what is set, never a value: a record's own string would hold every secret. */
    @Override
    public String toString() {
        return "LocalSecrets[api key, membership key" + (recordKey.isEmpty() ? "" : ", record key")
                + (kafka.isPresent() ? ", Kafka password" : "") + "]";
    }

    /** How the cluster's records are signed; off for a cluster started before records were. */
    RecordSigning recordSigning() {
        return recordKey.isEmpty() ? RecordSigning.off() : RecordSigning.of(recordKey, Optional.empty());
    }

    /** What every node of the cluster gets in its environment. */
    Map<String, String> nodeEnvironment() {
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("STAMPEDE_SECURITY_API_KEYS", ApiKeys.entry("local", Set.of(ApiKeys.Role.ADMIN), apiKey));
        environment.put("STAMPEDE_MEMBERSHIP_KEY", membershipKey);
        if (!recordKey.isEmpty()) {
            environment.put("STAMPEDE_SECURITY_RECORD_KEY", recordKey);
        }
        kafka.ifPresent(security -> environment.putAll(security.environment()));
        return environment;
    }
}
