package io.stampede.cli.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.random.RandomGenerator;

import io.stampede.cli.gate.Credentials;
import io.stampede.model.security.ApiKeys;
import io.stampede.model.security.KafkaSecurity;
import io.stampede.model.NodeRole;
import io.stampede.model.security.NodeCertificate;
import io.stampede.model.security.RecordRoles;
import io.stampede.model.security.RecordSigning;

/**
 * A local cluster's secrets, made at {@code stampede local up} and kept in its credentials file
 * (mode 600): the API key the command line sends (an admin key named {@code local}), the membership
 * key that signs its nodes' datagrams, the record key that signs their Kafka records, each role's
 * key pair that signs them as that role ({@link RecordRoles}), and, with {@code --kafka-auth scram},
 * the broker's SCRAM user. Nodes get them in their environment: the API key's hash, the membership
 * and record keys, a key pair of their own certified by their role ({@link NodeCertificate}: the
 * roles' private keys stay in the credentials file) and every role's public key, the Kafka settings.
 *
 * @param roleKeys each role's {@code [private key, public key]}; empty for a cluster made before them
 */
record LocalSecrets(String apiKey, String membershipKey, String recordKey, Map<NodeRole, List<String>> roleKeys,
        Optional<KafkaSecurity> kafka) {

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
    /** The prefix of each role's keys in the credentials file: {@code record-role-key.gate}, {@code record-role-public-key.gate}. */
    private static final String ROLE_KEY = "record-role-key.";
    private static final String ROLE_PUBLIC_KEY = "record-role-public-key.";

    /** Makes new secrets and writes them; {@code apiKey} is used as the API key when given. */
    static LocalSecrets create(Path directory, String apiKey, boolean kafkaScram, RandomGenerator random)
            throws IOException {
        LocalSecrets secrets = new LocalSecrets(apiKey == null || apiKey.isBlank() ? ApiKeys.generate(random) : apiKey.strip(),
                randomText(random), randomText(random), RecordRoles.generate(), kafkaScram
                        ? Optional.of(KafkaSecurity.scram(KAFKA_USER, randomText(random))) : Optional.empty());
        Properties properties = new Properties();
        properties.setProperty(Credentials.API_KEY, secrets.apiKey());
        properties.setProperty(Credentials.MEMBERSHIP_KEY, secrets.membershipKey());
        properties.setProperty(RECORD_KEY, secrets.recordKey());
        secrets.roleKeys().forEach((role, pair) -> {
            properties.setProperty(ROLE_KEY + role.label(), pair.get(0));
            properties.setProperty(ROLE_PUBLIC_KEY + role.label(), pair.get(1));
        });
        secrets.kafka().ifPresent(kafka -> properties.setProperty(KAFKA_PASSWORD, kafka.password().orElseThrow()));
        Credentials.write(directory.resolve(Credentials.LOCAL_FILE), properties,
                "The local cluster's secrets (docs/security.md): the CLI sends api-key; its nodes sign membership with"
                        + " membership-key, sign their records with record-key and a key of their own certified with"
                        + " their role's record-role-key,"
                        + " and log in to Kafka as '" + KAFKA_USER
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
        Map<NodeRole, List<String>> roleKeys = new EnumMap<>(NodeRole.class);
        for (NodeRole role : NodeRole.values()) {
            String privateKey = properties.getProperty(ROLE_KEY + role.label());
            String publicKey = properties.getProperty(ROLE_PUBLIC_KEY + role.label());
            if (privateKey != null && publicKey != null) {
                roleKeys.put(role, List.of(privateKey, publicKey));
            }
        }
        return new LocalSecrets(properties.getProperty(Credentials.API_KEY, ""),
                properties.getProperty(Credentials.MEMBERSHIP_KEY, ""), properties.getProperty(RECORD_KEY, ""),
                roleKeys.size() == NodeRole.values().length ? roleKeys : Map.of(), Optional.ofNullable(properties.getProperty(KAFKA_PASSWORD)).map(password -> KafkaSecurity.scram(KAFKA_USER,
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
                + (roleKeys.isEmpty() ? "" : ", role keys")
                + (kafka.isPresent() ? ", Kafka password" : "") + "]";
    }

    /** How the cluster's records are checked (role signatures too, without signing as any role); off for a cluster started before records were signed. */
    RecordSigning recordSigning() {
        return recordSigning(Optional.empty());
    }

    /** How the cluster's records are signed and checked, by a process that signs as {@code role} when given. */
    RecordSigning recordSigning(Optional<NodeRole> role) {
        if (recordKey.isEmpty()) {
            return RecordSigning.off();
        }
        RecordSigning signing = RecordSigning.of(recordKey, Optional.empty());
        return roleKeys.isEmpty() ? signing : signing.withRoles(RecordRoles.of(RecordRoles.publicEntries(roleKeys),
                role, role.map(signer -> roleKeys.get(signer).get(0))));
    }

    /**
     * How node {@code id} of {@code role}, in {@code datacenter} (empty for a gate), signs and checks
     * records with a key of its own, certified now; as {@link #recordSigning(Optional)} for a cluster
     * made before role keys.
     */
    RecordSigning recordSigning(NodeRole role, String id, String datacenter) {
        if (recordKey.isEmpty() || roleKeys.isEmpty()) {
            return recordSigning(Optional.of(role));
        }
        NodeCertificate.Issued own = NodeCertificate.issue(role, id, datacenter, roleKeys.get(role).get(0));
        return RecordSigning.of(recordKey, Optional.empty()).withRoles(RecordRoles.ofNode(
                RecordRoles.publicEntries(roleKeys), own.certificate(), own.privateKey()));
    }

    /**
     * What node {@code id} of {@code role}, in {@code datacenter} (empty for a gate), gets in its
     * environment: a new key pair of its own each time, its certificate naming its datacenter.
     */
    Map<String, String> nodeEnvironment(NodeRole role, String id, String datacenter) {
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("STAMPEDE_SECURITY_API_KEYS", ApiKeys.entry("local", Set.of(ApiKeys.Role.ADMIN), apiKey));
        environment.put("STAMPEDE_MEMBERSHIP_KEY", membershipKey);
        if (!recordKey.isEmpty()) {
            environment.put("STAMPEDE_SECURITY_RECORD_KEY", recordKey);
        }
        if (!recordKey.isEmpty() && !roleKeys.isEmpty()) {
            NodeCertificate.Issued own = NodeCertificate.issue(role, id, datacenter, roleKeys.get(role).get(0));
            environment.put("STAMPEDE_SECURITY_RECORD_NODE_KEY", own.privateKey());
            environment.put("STAMPEDE_SECURITY_RECORD_NODE_CERTIFICATE", own.certificate());
            environment.put("STAMPEDE_SECURITY_RECORD_ROLE_PUBLIC_KEYS",
                    String.join(",", RecordRoles.publicEntries(roleKeys)));
        }
        kafka.ifPresent(security -> environment.putAll(security.environment()));
        return environment;
    }
}
