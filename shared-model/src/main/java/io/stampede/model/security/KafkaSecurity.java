package io.stampede.model.security;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * How a Kafka client of Stampede authenticates and encrypts: the same settings for every consumer,
 * producer and admin client of every node, and for the command line's {@code watch --kafka}.
 * {@link #clientProperties()} turns them into Kafka client properties. The password is never shown
 * ({@link #toString()}). Pure and immutable.
 *
 * @param protocol           {@code PLAINTEXT}, {@code SSL}, {@code SASL_PLAINTEXT} or {@code SASL_SSL}
 * @param mechanism          with SASL: {@code SCRAM-SHA-256}, {@code SCRAM-SHA-512} or {@code PLAIN}
 * @param username           with SASL: the user
 * @param password           with SASL: its password
 * @param truststore         with SSL: a trust store of the brokers' CA (PEM, PKCS12 or JKS), or
 *                           empty for the JVM's default
 * @param truststorePassword the trust store's password, if it has one
 * @param truststoreType     {@code PEM}, {@code PKCS12} or {@code JKS}, or empty for Kafka's default
 */
public record KafkaSecurity(String protocol, Optional<String> mechanism, Optional<String> username,
        Optional<String> password, Optional<String> truststore, Optional<String> truststorePassword,
        Optional<String> truststoreType) {

    /** No authentication, no encryption: Kafka's default. */
    public static final KafkaSecurity PLAINTEXT = new KafkaSecurity("PLAINTEXT", Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

    private static final Set<String> PROTOCOLS = Set.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");
    private static final Set<String> MECHANISMS = Set.of("SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN");

    /** SASL/SCRAM-SHA-256 without TLS, as {@code stampede local up --kafka-auth scram} runs it. */
    public static KafkaSecurity scram(String username, String password) {
        return new KafkaSecurity("SASL_PLAINTEXT", Optional.of("SCRAM-SHA-256"), Optional.of(username),
                Optional.of(password), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /**
     * The settings in environment variables, as nodes read them: {@code STAMPEDE_KAFKA_SECURITY_PROTOCOL},
     * {@code _SASL_MECHANISM}, {@code _SASL_USERNAME}, {@code _SASL_PASSWORD}, {@code _TRUSTSTORE},
     * {@code _TRUSTSTORE_PASSWORD}, {@code _TRUSTSTORE_TYPE}.
     */
    public static KafkaSecurity fromEnvironment(Map<String, String> environment) {
        return new KafkaSecurity(Optional.ofNullable(blankToNull(environment.get("STAMPEDE_KAFKA_SECURITY_PROTOCOL")))
                .orElse("PLAINTEXT"),
                value(environment, "STAMPEDE_KAFKA_SASL_MECHANISM"), value(environment, "STAMPEDE_KAFKA_SASL_USERNAME"),
                value(environment, "STAMPEDE_KAFKA_SASL_PASSWORD"), value(environment, "STAMPEDE_KAFKA_TRUSTSTORE"),
                value(environment, "STAMPEDE_KAFKA_TRUSTSTORE_PASSWORD"), value(environment, "STAMPEDE_KAFKA_TRUSTSTORE_TYPE"));
    }

    /** The same settings as environment variables ({@link #fromEnvironment}), for a process started with them. */
    public Map<String, String> environment() {
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("STAMPEDE_KAFKA_SECURITY_PROTOCOL", protocol);
        mechanism.ifPresent(value -> environment.put("STAMPEDE_KAFKA_SASL_MECHANISM", value));
        username.ifPresent(value -> environment.put("STAMPEDE_KAFKA_SASL_USERNAME", value));
        password.ifPresent(value -> environment.put("STAMPEDE_KAFKA_SASL_PASSWORD", value));
        truststore.ifPresent(value -> environment.put("STAMPEDE_KAFKA_TRUSTSTORE", value));
        truststorePassword.ifPresent(value -> environment.put("STAMPEDE_KAFKA_TRUSTSTORE_PASSWORD", value));
        truststoreType.ifPresent(value -> environment.put("STAMPEDE_KAFKA_TRUSTSTORE_TYPE", value));
        return environment;
    }

    private static Optional<String> value(Map<String, String> environment, String name) {
        return Optional.ofNullable(blankToNull(environment.get(name)));
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }

    public boolean sasl() {
        return protocol.toUpperCase(Locale.ROOT).startsWith("SASL_");
    }

    public boolean tls() {
        String upper = protocol.toUpperCase(Locale.ROOT);
        return upper.equals("SSL") || upper.equals("SASL_SSL");
    }

    /** Every problem with these settings, each as {@code key: what is wrong} (keys under {@code stampede.kafka.}). */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        String upper = protocol.toUpperCase(Locale.ROOT);
        if (!PROTOCOLS.contains(upper)) {
            problems.add("stampede.kafka.security-protocol: '" + protocol + "' is not one of PLAINTEXT, SSL, SASL_PLAINTEXT,"
                    + " SASL_SSL");
            return problems;
        }
        if (sasl()) {
            if (mechanism.isEmpty() || !MECHANISMS.contains(mechanism.get().toUpperCase(Locale.ROOT))) {
                problems.add("stampede.kafka.sasl-mechanism: with " + upper + ", one of SCRAM-SHA-256, SCRAM-SHA-512, PLAIN"
                        + mechanism.map(value -> " (not '" + value + "')").orElse(""));
            }
            if (username.isEmpty()) {
                problems.add("stampede.kafka.sasl-username: required with " + upper);
            }
            if (password.isEmpty()) {
                problems.add("stampede.kafka.sasl-password: required with " + upper);
            }
        } else if (mechanism.isPresent() || username.isPresent() || password.isPresent()) {
            problems.add("stampede.kafka.sasl-mechanism, sasl-username, sasl-password: set only with SASL_PLAINTEXT or"
                    + " SASL_SSL (the protocol is " + upper + ")");
        }
        if (!tls() && (truststore.isPresent() || truststorePassword.isPresent() || truststoreType.isPresent())) {
            problems.add("stampede.kafka.truststore: set only with SSL or SASL_SSL (the protocol is " + upper + ")");
        }
        return problems;
    }

    /** The Kafka client properties for these settings (none for PLAINTEXT). */
    public Map<String, Object> clientProperties() {
        Map<String, Object> properties = new LinkedHashMap<>();
        String upper = protocol.toUpperCase(Locale.ROOT);
        if (upper.equals("PLAINTEXT")) {
            return properties;
        }
        properties.put("security.protocol", upper);
        if (sasl()) {
            String chosen = mechanism.orElse("SCRAM-SHA-256").toUpperCase(Locale.ROOT);
            properties.put("sasl.mechanism", chosen);
            String module = chosen.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                    : "org.apache.kafka.common.security.scram.ScramLoginModule";
            properties.put("sasl.jaas.config", module + " required username=\"" + quoted(username.orElse(""))
                    + "\" password=\"" + quoted(password.orElse("")) + "\";");
        }
        if (tls()) {
            truststore.ifPresent(value -> properties.put("ssl.truststore.location", value));
            truststorePassword.ifPresent(value -> properties.put("ssl.truststore.password", value));
            truststoreType.ifPresent(value -> properties.put("ssl.truststore.type", value.toUpperCase(Locale.ROOT)));
        }
        return properties;
    }

    /** A value inside a JAAS string: backslashes and quotes escaped. */
    private static String quoted(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    @Override
    public String toString() {
        return "KafkaSecurity[" + protocol + mechanism.map(value -> " " + value).orElse("")
                + username.map(value -> " as " + value).orElse("") + truststore.map(value -> " trusting " + value).orElse("")
                + "]";
    }
}
