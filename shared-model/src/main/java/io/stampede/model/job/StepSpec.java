package io.stampede.model.job;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One HTTP request in a workflow, with what to check in its response and what to take from it.
 *
 * @param name    unique within the workflow; statistics are reported under it
 * @param request what to send
 * @param checks  each must pass for the request to count as a success
 * @param extract values taken from the response into variables for later steps
 * @param think   a pause after the step, if any
 */
public record StepSpec(String name, RequestSpec request, List<Check> checks, List<Extract> extract,
        Optional<ThinkTime> think) {

    public StepSpec {
        checks = List.copyOf(checks);
        extract = List.copyOf(extract);
    }

    /** The secrets its request refers to ({@code {{secret:name}}} in its URL, headers, query or body). */
    public java.util.Set<String> secrets() {
        java.util.Set<String> names = new java.util.LinkedHashSet<>(request.url().secrets());
        request.headers().values().forEach(value -> names.addAll(value.secrets()));
        request.query().values().forEach(value -> names.addAll(value.secrets()));
        request.body().ifPresent(body -> {
            if (body instanceof TextBody text) {
                names.addAll(text.text().secrets());
            } else if (body instanceof JsonBody json) {
                names.addAll(json.json().secrets());
            } else {
                ((FormBody) body).fields().values().forEach(value -> names.addAll(value.secrets()));
            }
        });
        return names;
    }

    /** Whether a check of the status code is among the checks (if not, any status of 400 or more fails). */
    public boolean checksStatus() {
        return checks.stream().anyMatch(check -> check instanceof StatusCheck);
    }

    /**
     * An HTTP request.
     *
     * @param timeout         from sending to the whole response being received
     * @param followRedirects whether 3xx responses are followed (up to 5 hops)
     */
    public record RequestSpec(String method, Template url, Map<String, Template> headers,
            Map<String, Template> query, Optional<Body> body, Duration timeout, boolean followRedirects) {

        /** The timeout when none is written. */
        public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

        public RequestSpec {
            headers = Map.copyOf(headers);
            query = Map.copyOf(query);
        }
    }

    /** A request body. */
    public sealed interface Body permits TextBody, JsonBody, FormBody {
        /** The Content-Type sent unless a header says otherwise. */
        String contentType();
    }

    /** Text sent as written (templated). */
    public record TextBody(Template text) implements Body {
        @Override
        public String contentType() {
            return "text/plain; charset=utf-8";
        }
    }

    /** JSON; placeholders inside its strings are filled in and escaped. */
    public record JsonBody(Template json) implements Body {
        @Override
        public String contentType() {
            return "application/json";
        }
    }

    /** An HTML form, URL-encoded. */
    public record FormBody(Map<String, Template> fields) implements Body {
        public FormBody {
            fields = Map.copyOf(fields);
        }

        @Override
        public String contentType() {
            return "application/x-www-form-urlencoded";
        }
    }

    /** Something the response must satisfy; failures are counted under the check's name. */
    public sealed interface Check permits StatusCheck, HeaderCheck, BodyContainsCheck, JsonPathCheck, LatencyCheck {
        String name();
    }

    /** The status code is one of {@code allowed}. */
    public record StatusCheck(String name, Set<Integer> allowed) implements Check {
        public StatusCheck {
            allowed = Set.copyOf(allowed);
        }
    }

    /** A header is present, equals a value, or contains a value. */
    public record HeaderCheck(String name, String header, Optional<String> equals, Optional<String> contains)
            implements Check {
    }

    /** The body contains a text. */
    public record BodyContainsCheck(String name, String text) implements Check {
    }

    /** A JSONPath selects something ({@code equals} empty) or its first match equals a value. */
    public record JsonPathCheck(String name, JsonPath path, Optional<JsonNode> equals) implements Check {
    }

    /** The request took less than {@code under}. */
    public record LatencyCheck(String name, Duration under) implements Check {
    }

    /** A value taken from the response into {@code variable}. */
    public sealed interface Extract permits JsonPathExtract, HeaderExtract, RegexExtract {
        String variable();
    }

    /** The first match of a JSONPath (text as is, other JSON as JSON). */
    public record JsonPathExtract(String variable, JsonPath path) implements Extract {
    }

    /** A response header's value. */
    public record HeaderExtract(String variable, String header) implements Extract {
    }

    /** A regular expression's group (the first, or the whole match when it has none) over the body. */
    public record RegexExtract(String variable, java.util.regex.Pattern pattern) implements Extract {
    }

    /** A pause between {@code min} and {@code max}, uniformly random (fixed when they are equal). */
    public record ThinkTime(Duration min, Duration max) {
    }
}
