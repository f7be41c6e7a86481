package io.stampede.node.messaging;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.stampede.model.security.RecordSigning;
import io.stampede.node.config.NodeConfig;

/**
 * This node's {@link RecordSigning}, from {@code stampede.security.record-key} and
 * {@code record-secondary-key}, and the checks those settings must pass before the node starts.
 */
public final class RecordKeys {

    private static final Logger LOG = Logger.getLogger(RecordKeys.class);

    private RecordKeys() {
    }

    /** Produces the node's record signing. */
    @Singleton
    public static final class Producer {

        @Produces
        @Singleton
        RecordSigning signing(NodeConfig config) {
            RecordSigning signing = of(config.security());
            if (signing.on() && config.security().recordAcceptUnsigned()) {
                LOG.warn("stampede.security.record-accept-unsigned is on: records without a MAC are accepted, for as"
                        + " long as signing is being switched on (docs/security.md#records)");
            }
            if (!signing.on()) {
                LOG.warn("stampede.security.record-key is not set: this node's Kafka records are not signed and the"
                        + " records it reads are not checked, so whoever can write the topics can make it apply"
                        + " anything (docs/security.md#records)");
            }
            return signing;
        }
    }

    /** The signing these settings ask for; off without a record key. Check {@link #problems} first. */
    public static RecordSigning of(NodeConfig.Security security) {
        return security.recordKey().map(key -> RecordSigning.of(key, security.recordSecondaryKey(),
                security.recordAcceptUnsigned())).orElse(RecordSigning.off());
    }

    /** Every problem with the record keys; the keys themselves are never in a message. */
    public static List<String> problems(NodeConfig.Security security) {
        List<String> problems = new ArrayList<>();
        tooShort(security.recordKey()).ifPresent(bytes -> problems.add("stampede.security.record-key: " + bytes
                + " bytes; a record key needs at least " + RecordSigning.MIN_KEY_BYTES));
        tooShort(security.recordSecondaryKey()).ifPresent(bytes -> problems.add("stampede.security.record-secondary-key: "
                + bytes + " bytes; a record key needs at least " + RecordSigning.MIN_KEY_BYTES));
        if (security.recordSecondaryKey().isPresent() && security.recordKey().isEmpty()) {
            problems.add("stampede.security.record-secondary-key: set without stampede.security.record-key, which"
                    + " signs");
        }
        return problems;
    }

    private static Optional<Integer> tooShort(Optional<String> key) {
        return key.map(value -> value.getBytes(StandardCharsets.UTF_8).length)
                .filter(bytes -> bytes < RecordSigning.MIN_KEY_BYTES);
    }
}
