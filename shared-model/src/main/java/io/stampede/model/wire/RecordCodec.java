package io.stampede.model.wire;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.stampede.model.stats.WorkflowWindow;

/**
 * Records to and from bytes: JSON, so any Kafka tool can read them, with CloudEvents headers.
 * Decoding never throws: a record that cannot be read comes back as a {@link Rejected} with a
 * reason, for the consumer to count and skip.
 */
public final class RecordCodec {

    /** Records larger than this are refused on decode, in bytes. */
    public static final int MAX_RECORD_BYTES = 8 * 1024 * 1024;
    /**
     * The largest fence a record may carry: 2^40. Fences are Raft terms and ownership generations,
     * which never come near it; a larger one could only fence the real leader out for good.
     */
    public static final long MAX_FENCE = 1L << 40;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private RecordCodec() {
    }

    /** Why a record could not be read. Each is a metric tag, so the names are stable. */
    public enum Rejection {
        TOO_LARGE, NOT_JSON, MISSING_FIELD, UNKNOWN_TYPE, INCOMPATIBLE_VERSION, MALFORMED_PAYLOAD,
        /** The subject is not one, or not of the kind the record's type is about. */
        WRONG_SUBJECT,
        /**
         * A worker's record that speaks for another node than its sender: a window, a result, a
         * request for time or a heartbeat naming another worker (docs/security.md#node-keys).
         */
        OTHER_SENDER,
        /**
         * A number no honest sender writes: a negative or absurd fence (above {@value #MAX_FENCE})
         * or sequence, or a statistics window that cannot be (see {@code WorkflowWindow.problem}).
         */
        OUT_OF_RANGE
    }

    /** The outcome of decoding. */
    public sealed interface Decoded permits Accepted, Rejected {
    }

    public record Accepted(Envelope envelope) implements Decoded {
    }

    /**
     * @param sender   for {@link Rejection#INCOMPATIBLE_VERSION}: the sending node as the record
     *                 names it (the envelope's {@code sender}, read before anything version-bound);
     *                 empty otherwise or when the record names none
     * @param protocol for {@link Rejection#INCOMPATIBLE_VERSION}: the version the record was
     *                 written in; null otherwise or when it is not one
     */
    public record Rejected(Rejection reason, String detail, String sender, ProtocolVersion protocol) implements Decoded {
        public Rejected {
            sender = sender == null ? "" : sender;
        }

        public Rejected(Rejection reason, String detail) {
            this(reason, detail, "", null);
        }
    }

    public static byte[] encode(Envelope envelope) {
        ObjectNode node = JSON.createObjectNode();
        node.put("type", envelope.type().wireName());
        node.put("subject", envelope.subject().wire());
        node.put("sender", envelope.sender());
        node.put("fence", envelope.fence());
        node.put("sequence", envelope.sequence());
        node.put("protocol", envelope.protocol().toString());
        node.put("timestamp", envelope.timestampMillis());
        node.set("payload", JSON.valueToTree(envelope.payload()));
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode a " + envelope.type().wireName() + " record", e);
        }
    }

    /** CloudEvents (binary mode) headers describing the record, for other tools. */
    public static Map<String, String> headers(Envelope envelope) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("ce_specversion", "1.0");
        headers.put("ce_id", envelope.sender() + "/" + envelope.sequence());
        headers.put("ce_source", "stampede://" + envelope.sender());
        headers.put("ce_type", "io.stampede." + envelope.type().wireName());
        headers.put("ce_subject", envelope.subject().wire());
        headers.put("content-type", "application/json");
        return headers;
    }

    /** Decodes as a reader of this build's protocol ({@link ProtocolVersion#CURRENT}). */
    public static Decoded decode(byte[] bytes) {
        return decode(bytes, ProtocolVersion.CURRENT);
    }

    /** Decodes as a reader of protocol {@code reader}: a record of another MAJOR is refused. */
    public static Decoded decode(byte[] bytes, ProtocolVersion reader) {
        if (bytes == null) {
            return new Rejected(Rejection.NOT_JSON, "no value");
        }
        if (bytes.length > MAX_RECORD_BYTES) {
            return new Rejected(Rejection.TOO_LARGE, bytes.length + " bytes");
        }
        JsonNode node;
        try {
            node = JSON.readTree(bytes);
        } catch (IOException e) {
            return new Rejected(Rejection.NOT_JSON, String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
        }
        if (node == null || !node.isObject()) {
            return new Rejected(Rejection.NOT_JSON, "not a JSON object");
        }
        if (!node.hasNonNull("protocol")) {
            return new Rejected(Rejection.MISSING_FIELD, "protocol");
        }
        ProtocolVersion protocol;
        try {
            protocol = ProtocolVersion.parse(node.get("protocol").asText());
        } catch (IllegalArgumentException e) {
            return new Rejected(Rejection.INCOMPATIBLE_VERSION, e.getMessage());
        }
        if (!reader.reads(protocol)) {
            // Before any other field: another major version may lay the record out differently.
            // Only the sender's name is read, as every version writes it, to say who is refused.
            JsonNode sender = node.get("sender");
            return new Rejected(Rejection.INCOMPATIBLE_VERSION, protocol + " (this node reads " + reader.major()
                    + ".x)", sender != null && sender.isTextual() ? sender.asText() : "", protocol);
        }
        for (String field : new String[] {"type", "subject", "sender", "fence", "sequence", "timestamp", "payload"}) {
            if (!node.hasNonNull(field)) {
                return new Rejected(Rejection.MISSING_FIELD, field);
            }
        }
        if (!node.get("sender").isTextual()) {
            return new Rejected(Rejection.MISSING_FIELD, "sender must be a node id");
        }
        Optional<RecordType> type = RecordType.byName(node.get("type").asText());
        if (type.isEmpty()) {
            return new Rejected(Rejection.UNKNOWN_TYPE, node.get("type").asText());
        }
        if (!node.get("fence").canConvertToLong() || !node.get("sequence").canConvertToLong()
                || !node.get("timestamp").canConvertToLong()) {
            return new Rejected(Rejection.MISSING_FIELD, "fence, sequence and timestamp must be whole numbers");
        }
        Optional<Subject> subject = Subject.parse(node.get("subject").asText());
        if (subject.isEmpty() || subject.get().kind() != type.get().subjectKind()) {
            return new Rejected(Rejection.WRONG_SUBJECT, type.get().wireName() + " about '"
                    + node.get("subject").asText() + "'");
        }
        long fence = node.get("fence").asLong();
        if (fence < 0 || fence > MAX_FENCE || node.get("sequence").asLong() < 0) {
            return new Rejected(Rejection.OUT_OF_RANGE, "fence " + fence + ", sequence " + node.get("sequence").asLong());
        }
        Payload payload;
        try {
            payload = JSON.treeToValue(node.get("payload"), type.get().payloadClass());
        } catch (IOException | RuntimeException e) {
            return new Rejected(Rejection.MALFORMED_PAYLOAD, type.get().wireName() + ": " + e.getMessage());
        }
        List<Filed> windows = windows(payload);
        if (windows.stream().anyMatch(filed -> filed.window() == null)) {
            return new Rejected(Rejection.MALFORMED_PAYLOAD, type.get().wireName() + ": a window is missing");
        }
        Optional<String> impossible = windows.stream().map(Filed::problem).flatMap(Optional::stream).findFirst();
        if (impossible.isPresent()) {
            return new Rejected(Rejection.OUT_OF_RANGE, type.get().wireName() + ": " + impossible.get());
        }
        String sender = node.get("sender").asText();
        Optional<String> other = speaksFor(payload, subject.get()).filter(named -> !named.equals(sender));
        if (other.isPresent()) {
            return new Rejected(Rejection.OTHER_SENDER, type.get().wireName() + " from " + sender + " names "
                    + other.get());
        }
        return new Accepted(new Envelope(type.get(), subject.get(), node.get("sender").asText(),
                node.get("fence").asLong(), node.get("sequence").asLong(), protocol, node.get("timestamp").asLong(),
                payload));
    }

    /**
     * The node a worker's record speaks for, which must be its sender: the worker its window,
     * result, request for time or heartbeat names (a heartbeat's subject too, when it names another).
     */
    private static Optional<String> speaksFor(Payload payload, Subject subject) {
        if (payload instanceof Payload.WorkerHeartbeat heartbeat) {
            return subject instanceof Subject.Node about && !about.id().equals(heartbeat.worker())
                    ? Optional.of(about.id()) : Optional.ofNullable(heartbeat.worker());
        }
        if (payload instanceof Payload.WorkflowWindowReported window) {
            return Optional.ofNullable(window.worker());
        }
        if (payload instanceof Payload.WorkflowFinished finished) {
            return Optional.ofNullable(finished.worker());
        }
        if (payload instanceof Payload.ExtensionRequested request) {
            return Optional.ofNullable(request.worker());
        }
        return Optional.empty();
    }

    /** A statistics window and the workflow it is filed under. */
    record Filed(String workflow, WorkflowWindow window) {

        /** What makes it impossible: filed under another workflow, or impossible itself. */
        Optional<String> problem() {
            return window.workflow().equals(workflow) ? window.problem()
                    : Optional.of("a window of " + window.workflow() + " filed under " + workflow);
        }
    }

    /** Every statistics window a payload carries, so that none is merged before it is checked. */
    static List<Filed> windows(Payload payload) {
        List<Filed> windows = new ArrayList<>();
        if (payload instanceof Payload.WorkflowWindowReported reported) {
            windows.add(new Filed(reported.workflow(), reported.window()));
        } else if (payload instanceof Payload.WorkflowFinished finished) {
            windows.add(new Filed(finished.workflow(), finished.totals()));
        } else if (payload instanceof Payload.DatacenterProgress progress) {
            progress.windows().forEach((workflow, seconds) -> seconds.forEach(second ->
                    windows.add(new Filed(workflow, second))));
        } else if (payload instanceof Payload.DatacenterFinished finished) {
            finished.totals().forEach((workflow, window) -> windows.add(new Filed(workflow, window)));
        } else if (payload instanceof Payload.JobFinished finished) {
            finished.totals().forEach((workflow, window) -> windows.add(new Filed(workflow, window)));
        } else if (payload instanceof Payload.JobProgress progress) {
            progress.totals().forEach((workflow, window) -> windows.add(new Filed(workflow, window)));
        }
        return windows;
    }

    /**
     * A record's type, read without decoding the rest (a reader that judges who may write it before
     * reading it); empty when the record is not a JSON object naming a known type. A name given
     * twice is read as {@link #decode} reads it: the last one.
     */
    public static Optional<RecordType> type(byte[] bytes) {
        return heading(bytes).type();
    }

    /**
     * A record's sender, read as {@link #type} reads its type (the last one, when it is given
     * twice); empty when the record is not a JSON object naming one.
     */
    public static Optional<String> sender(byte[] bytes) {
        return heading(bytes).sender();
    }

    /**
     * A record's type and sender, each as {@link #type} and {@link #sender} read them.
     *
     * @param datacenter the payload's {@code datacenter}: the datacenter a manager's record on the
     *                   events topic speaks for
     */
    public record Heading(Optional<RecordType> type, Optional<String> sender, Optional<String> datacenter) {
        static final Heading NONE = new Heading(Optional.empty(), Optional.empty(), Optional.empty());
    }

    /**
     * A record's type and sender, and its payload's datacenter, read in one pass without building
     * the payload: the last of each when one is given twice (as {@link #decode} reads them), empty
     * when not text.
     */
    public static Heading heading(byte[] bytes) {
        if (bytes == null || bytes.length > MAX_RECORD_BYTES) {
            return Heading.NONE;
        }
        String type = null;
        String sender = null;
        String datacenter = null;
        try (JsonParser parser = JSON.getFactory().createParser(bytes)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return Heading.NONE;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.getCurrentName();
                JsonToken value = parser.nextToken();
                String text = value == JsonToken.VALUE_STRING ? parser.getText() : null;
                if ("type".equals(field)) {
                    type = text;
                } else if ("sender".equals(field)) {
                    sender = text;
                } else if ("payload".equals(field)) {
                    // A later payload replaces an earlier one as a whole, as decode reads it. An
                    // object is read to its end here; anything else is skipped below.
                    datacenter = null;
                    if (value == JsonToken.START_OBJECT) {
                        datacenter = payloadDatacenter(parser);
                        continue;
                    }
                }
                parser.skipChildren();
            }
        } catch (IOException e) {
            return Heading.NONE;
        }
        return new Heading(Optional.ofNullable(type).flatMap(RecordType::byName), Optional.ofNullable(sender),
                Optional.ofNullable(datacenter));
    }

    /** The {@code datacenter} text of the object the parser has just entered, the last one; reads to its end. */
    private static String payloadDatacenter(JsonParser parser) throws IOException {
        String datacenter = null;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.getCurrentName();
            JsonToken value = parser.nextToken();
            if ("datacenter".equals(field)) {
                datacenter = value == JsonToken.VALUE_STRING ? parser.getText() : null;
            }
            parser.skipChildren();
        }
        return datacenter;
    }

    /** How many bytes {@code text} takes as a JSON string in a record, quotes and escapes included. */
    public static long jsonStringBytes(String text) {
        try {
            return JSON.writeValueAsBytes(text).length;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** For logs: the record's bytes as text, cut short. */
    public static String preview(byte[] bytes) {
        if (bytes == null) {
            return "<null>";
        }
        String text = new String(bytes, 0, Math.min(bytes.length, 200), StandardCharsets.UTF_8);
        return bytes.length > 200 ? text + "…" : text;
    }
}
