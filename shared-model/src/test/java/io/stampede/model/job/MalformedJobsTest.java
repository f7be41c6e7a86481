package io.stampede.model.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Malformed jobs, each with every problem the user is told about, word for word. */
class MalformedJobsTest {

    /** A valid step, to keep each case about the one thing it breaks. */
    private static final String STEP = "steps: [{name: s, request: {url: \"http://h/\"}}]";

    static Stream<Arguments> cases() {
        return Stream.of(
                job("an empty document", "", "the document is empty"),
                job("not YAML at all", "name: [unclosed",
                        "line 1, column 16: not valid YAML or JSON: while parsing a flow sequence; expected ',' or ']', but got <stream end>"),
                job("a duplicate key", "name: a\nname: b\nworkflows: []",
                        "line 2, column 5: Duplicate field 'name'"),
                job("a list instead of a mapping", "- name: x", "must be a mapping with name, datacenters,"
                        + " minDatacenters, timeout, variables, workflows"),
                job("no name and no workflows", "timeout: 1m", "name: required",
                        "workflows: required: at least one workflow"),
                job("a misspelt top-level field", "name: x\nworkflow: []\n",
                        "workflows: required: at least one workflow", "workflow: unknown field (did you mean 'workflows'?)"),
                job("a misspelt workflow field", "name: x\nworkflows:\n  - {name: w, vus: 1, duraton: 1m, " + STEP + "}",
                        "workflows[0]: a closed model needs duration, iterations or both",
                        "workflows[0].duraton: unknown field (did you mean 'duration'?)"),
                job("both load models", "name: x\nworkflows:\n  - {name: w, vus: 1, rate: 5, duration: 1m, " + STEP + "}",
                        "workflows[0]: choose one load model: vus (closed) or rate (open), not both"),
                job("no load model", "name: x\nworkflows:\n  - {name: w, " + STEP + "}",
                        "workflows[0]: needs a load model: vus with duration or iterations (closed), or rate with"
                                + " duration or stages (open)"),
                job("zero virtual users", "name: x\nworkflows:\n  - {name: w, vus: 0, duration: 1m, " + STEP + "}",
                        "workflows[0].vus: must be between 1 and 1000000, got 0"),
                job("fractional virtual users", "name: x\nworkflows:\n  - {name: w, vus: 2.5, duration: 1m, " + STEP + "}",
                        "workflows[0].vus: must be a whole number, got '2.5'"),
                job("a duration without a unit", "name: x\nworkflows:\n  - {name: w, vus: 1, duration: 30, " + STEP + "}",
                        "workflows[0].duration: '30' needs a unit: ms, s, m or h (e.g. 30s)"),
                job("a duration that is not one", "name: x\ntimeout: soon\nworkflows:\n  - {name: w, vus: 1, duration: 1m, "
                        + STEP + "}", "timeout: 'soon' is not a duration such as 500ms, 30s, 2m, 1h or 1m30s"),
                job("a duration over the limit", "name: x\nworkflows:\n  - {name: w, vus: 1, duration: 25h, " + STEP + "}",
                        "workflows[0].duration: 25h is longer than the limit of 24h"),
                job("a zero rate", "name: x\nworkflows:\n  - {name: w, rate: 0, duration: 1m, " + STEP + "}",
                        "workflows[0].rate: must be above 0 and at most 1000000, got 0"),
                job("an open model with iterations", "name: x\nworkflows:\n  - {name: w, rate: 5, duration: 1m,"
                        + " iterations: 3, " + STEP + "}",
                        "workflows[0].iterations: belongs to the closed model (vus); an open model runs for a duration"),
                job("a closed model with maxVus", "name: x\nworkflows:\n  - {name: w, vus: 5, duration: 1m, maxVus: 9, "
                        + STEP + "}", "workflows[0].maxVus: belongs to the open model (rate); a closed model has vus"),
                job("an open model with duration and stages", "name: x\nworkflows:\n  - {name: w, rate: 5, duration: 1m,"
                        + " stages: [{duration: 1m, target: 9}], " + STEP + "}",
                        "workflows[0]: give either duration (a constant rate) or stages (ramps), not both"),
                job("a stage without a target", "name: x\nworkflows:\n  - {name: w, rate: 5, stages: [{duration: 1m}], "
                        + STEP + "}", "workflows[0].stages[0].target: required"),
                job("two workflows with one name", "name: x\nworkflows:\n  - {name: w, vus: 1, iterations: 1, " + STEP
                        + "}\n  - {name: w, vus: 1, iterations: 1, " + STEP + "}",
                        "workflows[1].name: 'w' is also the name of workflows[0]"),
                job("a bad workflow name", "name: x\nworkflows:\n  - {name: 'log in!', vus: 1, iterations: 1, " + STEP + "}",
                        "workflows[0].name: 'log in!' is not a workflow name: up to 64 letters, digits, '_', '.' and '-',"
                                + " starting with a letter or digit"),
                job("a dependency on an unknown workflow", "name: x\nworkflows:\n  - {name: login, vus: 1, iterations: 1, "
                        + STEP + "}\n  - {name: browse, vus: 1, iterations: 1, depends_on: [logn], " + STEP + "}",
                        "workflows[1].depends_on[0]: no workflow is named 'logn' (did you mean 'login'?)"),
                job("a dependency on itself", "name: x\nworkflows:\n  - {name: w, vus: 1, iterations: 1, dependsOn: w, "
                        + STEP + "}", "workflows[0].dependsOn: a workflow cannot depend on itself"),
                job("a dependency cycle", "name: x\nworkflows:\n  - {name: checkout, vus: 1, iterations: 1, " + STEP
                        + "}\n  - {name: login, vus: 1, iterations: 1, depends_on: [browse], " + STEP
                        + "}\n  - {name: browse, vus: 1, iterations: 1, depends_on: [login], " + STEP + "}",
                        "workflows[1].depends_on: cycle login -> browse -> login"),
                job("an export nobody extracts", "name: x\nworkflows:\n  - {name: w, vus: 1, iterations: 1,"
                        + " exports: [tokn], steps: [{name: s, request: {url: 'http://h/'}, extract: [{var: token,"
                        + " header: X-Token}]}]}",
                        "workflows[0].exports[0]: 'tokn' is not extracted by any step of this workflow"
                                + " (did you mean 'token'?)"),
                job("no steps", "name: x\nworkflows:\n  - {name: w, vus: 1, iterations: 1}",
                        "workflows[0].steps: required: at least one step"),
                job("a step without a request", "name: x\nworkflows:\n  - {name: w, vus: 1, iterations: 1,"
                        + " steps: [{name: s}]}", "workflows[0].steps[0].request: required: what to send (at least a url)"),
                job("a relative URL", "name: x\nworkflows:\n  - {name: w, vus: 1, iterations: 1,"
                        + " steps: [{name: s, request: {url: /login}}]}",
                        "workflows[0].steps[0].request.url: '/login' is not an absolute http(s) URL"),
                job("a URL with a space after a run-time value", "name: x\nworkflows:\n  - {name: w, vus: 1,"
                        + " iterations: 1, steps: [{name: s, request: {url: 'http://h/{{vu}}/a b'}}]}",
                        "workflows[0].steps[0].request.url: 'http://h/{{vu}}/a b' has a space or a control character;"
                        + " encode it (a space is %20)"),
                job("a ramp that never rises above 0", "name: x\nworkflows:\n  - {name: w, rate: 0,"
                        + " stages: [{duration: 1m, target: 0}], " + STEP + "}",
                        "workflows[0].stages: the rate never rises above 0, so no iteration would ever start"),
                job("a URL whose variable is not http", "name: x\nvariables: {base: 'ftp://files'}\nworkflows:\n"
                        + "  - {name: w, vus: 1, iterations: 1, steps: [{name: s, request: {url: '{{base}}/a'}}]}",
                        "workflows[0].steps[0].request.url: '{{base}}/a' is not an absolute http(s) URL"),
                job("an unknown method", "name: x\nworkflows:\n  - {name: w, vus: 1, iterations: 1,"
                        + " steps: [{name: s, request: {method: FETCH, url: 'http://h/'}}]}",
                        "workflows[0].steps[0].request.method: 'FETCH' is not one of DELETE, GET, HEAD, OPTIONS, PATCH,"
                                + " POST, PUT"),
                job("an unknown variable", "name: x\nworkflows:\n  - {name: w, vus: 1, iterations: 1,"
                        + " steps: [{name: a, request: {url: 'http://h/'}, extract: [{var: token, header: X-T}]},"
                        + " {name: b, request: {url: 'http://h/', headers: {Authorization: 'Bearer {{tokn}}'}}}]}",
                        "workflows[0].steps[1].request.headers.Authorization: unknown variable 'tokn'"
                                + " (did you mean 'token'?)"),
                job("a variable used before it is extracted", "name: x\nworkflows:\n  - {name: w, vus: 1, iterations: 1,"
                        + " steps: [{name: a, request: {url: 'http://h/{{id}}'}}, {name: b, request: {url: 'http://h/'},"
                        + " extract: [{var: id, header: X-Id}]}]}",
                        "workflows[0].steps[0].request.url: unknown variable 'id'"),
                job("an unclosed placeholder", "name: x\nworkflows:\n  - {name: w, vus: 1, iterations: 1,"
                        + " steps: [{name: s, request: {url: 'http://h/{{vu'}}]}",
                        "workflows[0].steps[0].request.url: '{{' at position 9 is never closed with '}}'"),
                job("a bad randomInt", "name: x\nworkflows:\n  - {name: w, vus: 1, iterations: 1,"
                        + " steps: [{name: s, request: {url: 'http://h/{{randomInt 9 1}}'}}]}",
                        "workflows[0].steps[0].request.url: '{{randomInt 9 1}}': the minimum is above the maximum"),
                job("two body kinds", "name: x\nworkflows:\n  - {name: w, vus: 1, iterations: 1,"
                        + " steps: [{name: s, request: {url: 'http://h/', body: {text: a, json: {b: 1}}}}]}",
                        "workflows[0].steps[0].request.body: give exactly one of text, json or form"),
                job("a status code that is not one", "name: x\nworkflows:\n  - {name: w, vus: 1, iterations: 1,"
                        + " steps: [{name: s, request: {url: 'http://h/'}, checks: [{status: 700}]}]}",
                        "workflows[0].steps[0].checks[0].status: '700' is not an HTTP status code (100 to 599)"),
                job("a check with two kinds", "name: x\nworkflows:\n  - {name: w, vus: 1, iterations: 1,"
                        + " steps: [{name: s, request: {url: 'http://h/'}, checks: [{status: 200, bodyContains: ok}]}]}",
                        "workflows[0].steps[0].checks[0]: checks status and bodyContains at once; write one check each"),
                job("a misspelt check", "name: x\nworkflows:\n  - {name: w, vus: 1, iterations: 1,"
                        + " steps: [{name: s, request: {url: 'http://h/'}, checks: [{statuss: 200}]}]}",
                        "workflows[0].steps[0].checks[0]: says nothing to check: use one of status, header, bodyContains,"
                                + " jsonPath, latencyUnder",
                        "workflows[0].steps[0].checks[0].statuss: unknown field (did you mean 'status'?)"),
                job("a JSONPath that is not one", "name: x\nworkflows:\n  - {name: w, vus: 1, iterations: 1,"
                        + " steps: [{name: s, request: {url: 'http://h/'}, checks: [{jsonPath: 'items[0]'}]}]}",
                        "workflows[0].steps[0].checks[0].jsonPath: not a JSONPath: 'items[0]' must start with $"
                                + " (the document)"),
                job("an extraction with a bad regex", "name: x\nworkflows:\n  - {name: w, vus: 1, iterations: 1,"
                        + " steps: [{name: s, request: {url: 'http://h/'}, extract: [{var: id, regex: 'id=(\\\\d+'}]}]}",
                        "workflows[0].steps[0].extract[0].regex: not a valid regular expression: Unclosed group"),
                job("an extraction into a built-in", "name: x\nworkflows:\n  - {name: w, vus: 1, iterations: 1,"
                        + " steps: [{name: s, request: {url: 'http://h/'}, extract: [{var: vu, header: X}]}]}",
                        "workflows[0].steps[0].extract[0].var: 'vu' is a built-in and cannot be redefined"),
                job("a think time range upside down", "name: x\nworkflows:\n  - {name: w, vus: 1, iterations: 1,"
                        + " steps: [{name: s, request: {url: 'http://h/'}, think: {min: 2s, max: 1s}}]}",
                        "workflows[0].steps[0].think: min 2s is above max 1s"),
                job("a bad HTTP version", "name: x\nworkflows:\n  - {name: w, vus: 1, iterations: 1, http: {version: 3}, "
                        + STEP + "}", "workflows[0].http.version: must be 1.1 or 2, got '3'"),
                job("bad datacenters", "name: x\ndatacenters: [dc1, DC2, dc1]\nworkflows:\n  - {name: w, vus: 1,"
                        + " iterations: 1, " + STEP + "}",
                        "datacenters[1]: 'DC2' is not a datacenter name: use 1 to 40 lower-case letters, digits and"
                                + " dashes, starting with a letter or digit",
                        "datacenters[2]: 'dc1' is listed twice"),
                job("a placement that does not exist and preferences that are not names", "name: x\nplacement: nearest\n"
                        + "prefer: [dc1, dc1, 7]\nworkflows:\n  - {name: w, vus: 1, iterations: 1, " + STEP + "}",
                        "placement: must be latency, capacity or spread, got 'nearest'",
                        "prefer[1]: 'dc1' is listed twice", "prefer[2]: must be a datacenter name"),
                job("preferences that are not a list", "name: x\nprefer: dc1\nworkflows:\n"
                        + "  - {name: w, vus: 1, iterations: 1, " + STEP + "}", "prefer: must be a list of datacenter names"),
                job("more datacenters needed than named", "name: x\ndatacenters: [dc1, dc2]\nminDatacenters: 3\n"
                        + "workflows:\n  - {name: w, vus: 1, iterations: 1, " + STEP + "}",
                        "minDatacenters: is 3, more than the 2 datacenters the job names"),
                job("no datacenter needed", "name: x\nminDatacenters: 0\nworkflows:\n  - {name: w, vus: 1, iterations: 1, "
                        + STEP + "}", "minDatacenters: must be between 1 and 100, got 0"),
                job("a variable named like a built-in", "name: x\nvariables: {uuid: a, 9lives: b}\nworkflows:\n"
                        + "  - {name: w, vus: 1, iterations: 1, " + STEP + "}",
                        "variables.uuid: 'uuid' is a built-in and cannot be redefined",
                        "variables.9lives: '9lives' is not a variable name (letters, digits and underscores, not starting"
                                + " with a digit)"),
                job("two dependencies exporting one name", "name: x\nworkflows:\n"
                        + "  - {name: a, vus: 1, iterations: 1, exports: [t], steps: [{name: s, request: {url: 'http://h/'},"
                        + " extract: [{var: t, header: X}]}]}\n"
                        + "  - {name: b, vus: 1, iterations: 1, exports: [t], steps: [{name: s, request: {url: 'http://h/'},"
                        + " extract: [{var: t, header: X}]}]}\n"
                        + "  - {name: c, vus: 1, iterations: 1, dependsOn: [a, b], " + STEP + "}",
                        "workflows[2].dependsOn: 't' is exported by both a and b; rename one"),
                job("thresholds that name what is not there", "name: x\nworkflows:\n  - {name: w, vus: 1, iterations: 1, "
                        + STEP + "}\nthresholds:\n  - {metric: p98, below: 1s}\n  - {metric: p99, below: 1s, workflow: v}\n"
                        + "  - {metric: p99, below: 1s, workflow: w, step: t}\n  - {metric: p99, below: 1s, step: s}",
                        "thresholds[0].metric: 'p98' is not a metric; one of p50, p90, p95, p99, p999, max, mean, errorRate,"
                                + " failedChecksRate, requestsPerSecond, droppedIterations (did you mean 'p90'?)",
                        "thresholds[1].workflow: the job has no workflow 'v' (did you mean 'w'?)",
                        "thresholds[2].step: workflow 'w' has no step 't' (did you mean 's'?)",
                        "thresholds[3].step: a step is named within a workflow: add workflow"),
                job("thresholds without a usable limit", "name: x\nworkflows:\n  - {name: w, vus: 1, iterations: 1, "
                        + STEP + "}\nthresholds:\n  - {metric: p99}\n  - {metric: p99, below: 1s, above: 2s}\n"
                        + "  - {metric: p99, below: 300}\n  - {metric: p99, below: soon}\n  - {metric: errorRate, below: 2}\n"
                        + "  - {metric: errorRate, below: 0}\n  - {metric: droppedIterations, below: 0.5, workflow: w, step: s}\n"
                        + "  - {metric: p99, below: 1s, delay: 10s}\n  - {metric: requestsPerSecond, above: fast}",
                        "thresholds[0]: needs below or above, e.g. {metric: p99, below: 300ms}",
                        "thresholds[1]: has both below and above: a threshold takes one",
                        "thresholds[3].below: 'soon' is not a duration such as 500ms, 30s, 2m, 1h or 1m30s",
                        "thresholds[4].below: must be a percentage such as '1%' or a fraction from 0 to 1, got '2'",
                        "thresholds[5].below: nothing is below 0; to allow none, write below: 0.0001%",
                        "thresholds[6].step: droppedIterations counts a workflow's iterations, not a step's: leave step out",
                        "thresholds[6].below: must be a whole number, got '0.5'",
                        "thresholds[7].delay: delays abortOnFail: it needs abortOnFail: true",
                        "thresholds[8].above: must be requests a second such as 100 or '100/s', got 'fast'"));
    }

    private static Arguments job(String description, String yaml, String... problems) {
        return Arguments.of(description, yaml, List.of(problems));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void explainsWhatIsWrong(String description, String yaml, List<String> expected) {
        JobSpecParser.Result result = JobSpecParser.read(yaml);

        assertThat(result.job()).isEmpty();
        List<String> problems = result.problems().stream().map(Problem::toString).toList();
        assertThat(problems).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(problems.get(i)).startsWith(expected.get(i));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void neverThrowsAnythingButTheListOfProblems(String description, String yaml, List<String> expected) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> JobSpecParser.parse(yaml))
                .isInstanceOf(InvalidJobException.class);
    }

    @org.junit.jupiter.api.Test
    void thereAreAtLeastThirtyCases() {
        assertThat(cases().count()).isGreaterThanOrEqualTo(30);
    }
}
