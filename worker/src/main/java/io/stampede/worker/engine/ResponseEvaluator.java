package io.stampede.worker.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.stampede.model.job.StepSpec;
import io.stampede.model.job.StepSpec.Check;
import io.stampede.model.job.StepSpec.Extract;

/**
 * Judges one response against a step's checks and takes its extractions. Pure: the response is
 * handed in as values.
 */
final class ResponseEvaluator {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ResponseEvaluator() {
    }

    /** A response as the evaluator sees it. */
    static final class Response {
        final int status;
        final Function<String, String> header;
        final byte[] body;
        final long latencyMicros;
        private String text;
        private JsonNode json;
        private boolean jsonParsed;

        Response(int status, Function<String, String> header, byte[] body, long latencyMicros) {
            this.status = status;
            this.header = header;
            this.body = body;
            this.latencyMicros = latencyMicros;
        }

        String text() {
            if (text == null) {
                text = body == null ? "" : new String(body, StandardCharsets.UTF_8);
            }
            return text;
        }

        /** The body as JSON, or null when it is not JSON. Parsed at most once. */
        JsonNode json() {
            if (!jsonParsed) {
                jsonParsed = true;
                try {
                    json = body == null || body.length == 0 ? null : JSON.readTree(body);
                } catch (IOException e) {
                    json = null;
                }
            }
            return json;
        }
    }

    /** Whether a step must read the response body to check or extract. */
    static boolean needsBody(StepSpec step) {
        boolean checks = step.checks().stream().anyMatch(check -> check instanceof StepSpec.BodyContainsCheck
                || check instanceof StepSpec.JsonPathCheck);
        boolean extracts = step.extract().stream().anyMatch(extract -> !(extract instanceof StepSpec.HeaderExtract));
        return checks || extracts;
    }

    /** Whether a check passes. */
    static boolean passes(Check check, Response response) {
        if (check instanceof StepSpec.StatusCheck status) {
            return status.allowed().contains(response.status);
        }
        if (check instanceof StepSpec.HeaderCheck header) {
            String value = response.header.apply(header.header());
            if (value == null) {
                return false;
            }
            if (header.equals().isPresent()) {
                return value.equals(header.equals().get());
            }
            return header.contains().map(value::contains).orElse(true);
        }
        if (check instanceof StepSpec.BodyContainsCheck body) {
            return response.text().contains(body.text());
        }
        if (check instanceof StepSpec.JsonPathCheck path) {
            JsonNode json = response.json();
            if (json == null) {
                return false;
            }
            List<JsonNode> matches = path.path().select(json);
            if (matches.isEmpty()) {
                return false;
            }
            return path.equals().map(expected -> sameValue(matches.get(0), expected)).orElse(true);
        }
        StepSpec.LatencyCheck latency = (StepSpec.LatencyCheck) check;
        return response.latencyMicros < latency.under().toNanos() / 1_000;
    }

    /** JSON equality, with numbers compared by value ({@code 1} equals {@code 1.0}). */
    static boolean sameValue(JsonNode actual, JsonNode expected) {
        if (actual.isNumber() && expected.isNumber()) {
            return actual.decimalValue().compareTo(expected.decimalValue()) == 0;
        }
        if (actual.isTextual() && !expected.isContainerNode()) {
            return actual.asText().equals(expected.asText());
        }
        return actual.equals(expected);
    }

    /** Takes every extraction that finds a value into {@code into}; a miss leaves the variable unset. */
    static void extract(List<Extract> extracts, Response response, Map<String, String> into) {
        for (Extract extract : extracts) {
            String value = null;
            if (extract instanceof StepSpec.HeaderExtract header) {
                value = response.header.apply(header.header());
            } else if (extract instanceof StepSpec.JsonPathExtract path) {
                JsonNode json = response.json();
                List<JsonNode> matches = json == null ? List.of() : path.path().select(json);
                if (!matches.isEmpty()) {
                    JsonNode match = matches.get(0);
                    value = match.isValueNode() ? match.asText() : match.toString();
                }
            } else if (extract instanceof StepSpec.RegexExtract regex) {
                Matcher matcher = regex.pattern().matcher(response.text());
                if (matcher.find()) {
                    value = matcher.groupCount() >= 1 ? matcher.group(1) : matcher.group();
                }
            }
            if (value != null) {
                into.put(extract.variable(), value);
            }
        }
    }
}
