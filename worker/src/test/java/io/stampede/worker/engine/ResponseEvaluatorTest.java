package io.stampede.worker.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

import javax.net.ssl.SSLHandshakeException;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;

import io.stampede.model.job.JsonPath;
import io.stampede.model.job.StepSpec;

class ResponseEvaluatorTest {

    private static ResponseEvaluator.Response response(int status, String body, long latencyMicros) {
        Map<String, String> headers = Map.of("Content-Type", "application/json; charset=utf-8", "X-Id", "42");
        return new ResponseEvaluator.Response(status, headers::get, body.getBytes(StandardCharsets.UTF_8), latencyMicros);
    }

    @Test
    void judgesEveryKindOfCheck() {
        var ok = response(200, "{\"user\":{\"id\":7,\"name\":\"ann\"},\"tags\":[\"a\",\"b\"]}", 120_000);

        assertThat(ResponseEvaluator.passes(new StepSpec.StatusCheck("s", Set.of(200, 201)), ok)).isTrue();
        assertThat(ResponseEvaluator.passes(new StepSpec.StatusCheck("s", Set.of(204)), ok)).isFalse();
        assertThat(ResponseEvaluator.passes(new StepSpec.HeaderCheck("h", "Content-Type", Optional.empty(),
                Optional.of("json")), ok)).isTrue();
        assertThat(ResponseEvaluator.passes(new StepSpec.HeaderCheck("h", "X-Id", Optional.of("41"),
                Optional.empty()), ok)).isFalse();
        assertThat(ResponseEvaluator.passes(new StepSpec.HeaderCheck("h", "X-Missing", Optional.empty(),
                Optional.empty()), ok)).isFalse();
        assertThat(ResponseEvaluator.passes(new StepSpec.BodyContainsCheck("b", "ann"), ok)).isTrue();
        assertThat(ResponseEvaluator.passes(new StepSpec.JsonPathCheck("j", JsonPath.compile("$.user.id"),
                Optional.of(new IntNode(7))), ok)).isTrue();
        assertThat(ResponseEvaluator.passes(new StepSpec.JsonPathCheck("j", JsonPath.compile("$.user.id"),
                Optional.of(new TextNode("7"))), ok)).isFalse();
        assertThat(ResponseEvaluator.passes(new StepSpec.JsonPathCheck("j", JsonPath.compile("$.tags[-1]"),
                Optional.of(new TextNode("b"))), ok)).isTrue();
        assertThat(ResponseEvaluator.passes(new StepSpec.JsonPathCheck("j", JsonPath.compile("$.nothing"),
                Optional.empty()), ok)).isFalse();
        assertThat(ResponseEvaluator.passes(new StepSpec.LatencyCheck("l", Duration.ofMillis(100)), ok)).isFalse();
        assertThat(ResponseEvaluator.passes(new StepSpec.LatencyCheck("l", Duration.ofMillis(200)), ok)).isTrue();
        assertThat(ResponseEvaluator.passes(new StepSpec.JsonPathCheck("j", JsonPath.compile("$.a"),
                Optional.empty()), response(200, "not json", 1))).isFalse();
    }

    @Test
    void extractsFromJsonHeadersAndText() {
        var seen = response(200, "{\"token\":\"t-1\",\"user\":{\"id\":7}} order=9913", 1);
        Map<String, String> values = new HashMap<>();

        ResponseEvaluator.extract(List.of(
                new StepSpec.JsonPathExtract("token", JsonPath.compile("$.token")),
                new StepSpec.JsonPathExtract("user", JsonPath.compile("$.user")),
                new StepSpec.HeaderExtract("id", "X-Id"),
                new StepSpec.RegexExtract("order", Pattern.compile("order=(\\d+)")),
                new StepSpec.RegexExtract("missing", Pattern.compile("nope=(\\d+)"))), seen, values);

        assertThat(values).containsExactlyInAnyOrderEntriesOf(
                Map.of("token", "t-1", "user", "{\"id\":7}", "id", "42", "order", "9913"));
    }

    @Test
    void namesTransportFailures() {
        assertThat(FailureReasons.classify(new ConnectException("Connection refused"))).isEqualTo("connection_refused");
        assertThat(FailureReasons.classify(new RuntimeException(new UnknownHostException("nowhere")))).isEqualTo("dns");
        assertThat(FailureReasons.classify(new SSLHandshakeException("bad certificate"))).isEqualTo("tls");
        assertThat(FailureReasons.classify(new TimeoutException())).isEqualTo("timeout");
        assertThat(FailureReasons.classify(new java.io.IOException("Connection reset by peer")))
                .isEqualTo("connection_reset");
        assertThat(FailureReasons.classify(new IllegalStateException("odd"))).isEqualTo("error:IllegalStateException");
        assertThat(FailureReasons.forStatus(503)).isEqualTo("http_5xx");
        assertThat(FailureReasons.forStatus(404)).isEqualTo("http_4xx");
        assertThat(FailureReasons.forStatus(302)).isNull();
    }
}
