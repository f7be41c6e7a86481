package io.stampede.model.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.stampede.model.job.StepSpec.FormBody;
import io.stampede.model.job.StepSpec.HeaderCheck;
import io.stampede.model.job.StepSpec.JsonBody;
import io.stampede.model.job.StepSpec.JsonPathCheck;
import io.stampede.model.job.StepSpec.JsonPathExtract;
import io.stampede.model.job.StepSpec.LatencyCheck;
import io.stampede.model.job.StepSpec.StatusCheck;
import io.stampede.model.job.WorkflowSpec.Closed;
import io.stampede.model.job.WorkflowSpec.HttpVersion;
import io.stampede.model.job.WorkflowSpec.Open;
import io.stampede.model.job.WorkflowSpec.Stage;

class JobSpecParserTest {

    static final String FULL = """
            name: shop checkout
            datacenters: [dc1, dc2]
            timeout: 15m
            variables:
              baseUrl: http://127.0.0.1:8080
              password: secret
            workflows:
              - name: login
                vus: 10
                iterations: 1
                exports: [token]
                steps:
                  - name: sign in
                    request:
                      method: post
                      url: "{{baseUrl}}/login"
                      body:
                        json: {user: "user-{{vu}}", password: "{{password}}"}
                      timeout: 5s
                    checks:
                      - status: 200
                      - jsonPath: $.token
                      - name: fast
                        latencyUnder: 500ms
                    extract:
                      - var: token
                        jsonPath: $.token
              - name: browse
                depends_on: login
                rate: 20
                stages:
                  - {duration: 30s, target: 100}
                  - {duration: 1m, target: 100}
                maxVus: 200
                http: {version: 2, insecureTls: true, connections: 4}
                gracefulStop: 10s
                steps:
                  - name: list
                    request:
                      url: "{{baseUrl}}/items?page={{randomInt 1 5}}"
                      headers: {Authorization: "Bearer {{token}}"}
                      redirects: none
                    checks:
                      - status: [200, 304]
                      - header: {name: Content-Type, contains: json}
                      - jsonPath: {path: "$.items[0].id", equals: 1}
                    extract:
                      - {var: firstId, jsonPath: "$.items[0].id"}
                    think: {min: 1s, max: 2s}
                  - name: order
                    request:
                      method: POST
                      url: "{{baseUrl}}/orders"
                      body:
                        form: {item: "{{firstId}}", ref: "{{uuid}}"}
                    think: 500ms
            """;

    @Test
    void readsThePlacementAndPreferredDatacenters() {
        String job = "name: x\ndatacenters: 1\nplacement: spread\nprefer: [dc2, dc3]\nworkflows:\n"
                + "  - {name: w, vus: 1, iterations: 1, steps: [{name: s, request: {url: 'http://h/'}}]}\n";
        assertThat(JobSpecParser.parse(job).placement())
                .isEqualTo(new JobSpec.Placement(JobSpec.Strategy.SPREAD, List.of("dc2", "dc3")));
        assertThat(JobSpecParser.parse(job.replace("placement: spread\nprefer: [dc2, dc3]\n", "")).placement())
                .as("latency, preferring none, by default").isEqualTo(JobSpec.Placement.DEFAULT);
    }

    @Test
    void readsEveryPartOfAJob() {
        JobSpec job = JobSpecParser.parse(FULL);

        assertThat(job.name()).isEqualTo("shop checkout");
        assertThat(job.datacenters()).isEqualTo(new JobSpec.Named(List.of("dc1", "dc2")));
        assertThat(job.timeout()).contains(Duration.ofMinutes(15));
        assertThat(job.variables()).containsEntry("baseUrl", "http://127.0.0.1:8080");

        WorkflowSpec login = job.workflow("login").orElseThrow();
        assertThat(login.load()).isEqualTo(new Closed(10, Optional.empty(), Optional.of(1L)));
        assertThat(login.exports()).containsExactly("token");
        StepSpec signIn = login.steps().get(0);
        assertThat(signIn.request().method()).isEqualTo("POST");
        assertThat(signIn.request().timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(signIn.request().body()).get().isInstanceOf(JsonBody.class);
        assertThat(signIn.checks()).extracting(StepSpec.Check::name)
                .containsExactly("status 200", "$.token exists", "fast");
        assertThat(signIn.checks().get(2)).isEqualTo(new LatencyCheck("fast", Duration.ofMillis(500)));
        assertThat(signIn.extract()).containsExactly(new JsonPathExtract("token", JsonPath.compile("$.token")));

        WorkflowSpec browse = job.workflow("browse").orElseThrow();
        assertThat(browse.dependsOn()).containsExactly("login");
        assertThat(browse.load()).isEqualTo(new Open(20, List.of(new Stage(Duration.ofSeconds(30), 100),
                new Stage(Duration.ofMinutes(1), 100)), 200));
        assertThat(browse.load().duration()).contains(Duration.ofSeconds(90));
        assertThat(browse.http().version()).isEqualTo(HttpVersion.HTTP_2);
        assertThat(browse.http().insecureTls()).isTrue();
        assertThat(browse.http().connections()).contains(4);
        assertThat(browse.gracefulStop()).isEqualTo(Duration.ofSeconds(10));
        StepSpec list = browse.steps().get(0);
        assertThat(list.request().followRedirects()).isFalse();
        assertThat(list.checks().get(0)).isEqualTo(new StatusCheck("status in [200, 304]", Set.of(200, 304)));
        assertThat(list.checks().get(1)).isInstanceOf(HeaderCheck.class);
        assertThat(((JsonPathCheck) list.checks().get(2)).equals()).get().hasToString("1");
        assertThat(list.think()).contains(new StepSpec.ThinkTime(Duration.ofSeconds(1), Duration.ofSeconds(2)));
        assertThat(browse.steps().get(1).request().body()).get().isInstanceOf(FormBody.class);
        assertThat(browse.steps().get(1).think())
                .contains(new StepSpec.ThinkTime(Duration.ofMillis(500), Duration.ofMillis(500)));
    }

    @Test
    void jsonAndYamlDescribeTheSameJob() {
        String json = """
                {"name": "api", "workflows": [{"name": "ping", "vus": 2, "duration": "10s",
                  "steps": [{"name": "get", "request": {"url": "http://localhost:8080/ping"},
                             "checks": [{"status": 200}]}]}]}
                """;
        String yaml = """
                name: api
                workflows:
                  - name: ping
                    vus: 2
                    duration: 10s
                    steps:
                      - name: get
                        request: {url: "http://localhost:8080/ping"}
                        checks: [{status: 200}]
                """;
        assertThat(JobSpecParser.parse(json)).isEqualTo(JobSpecParser.parse(yaml));
    }

    @Test
    void ordersWorkflowsAfterTheirDependenciesKeepingWrittenOrderOtherwise() {
        String yaml = """
                name: order
                workflows:
                  - {name: c, vus: 1, iterations: 1, dependsOn: [b], steps: [{name: s, request: {url: "http://h/"}}]}
                  - {name: a, vus: 1, iterations: 1, steps: [{name: s, request: {url: "http://h/"}}]}
                  - {name: b, vus: 1, iterations: 1, dependsOn: [a], steps: [{name: s, request: {url: "http://h/"}}]}
                  - {name: d, vus: 1, iterations: 1, steps: [{name: s, request: {url: "http://h/"}}]}
                """;
        assertThat(JobSpecParser.parse(yaml).workflowsInDependencyOrder()).extracting(WorkflowSpec::name)
                .containsExactly("a", "b", "c", "d");
    }

    @Test
    void anUnquotedTemplateIsExplainedInOurWords() {
        for (String url : new String[] {"{{base}}/login", "{{base}}"}) {
            JobSpecParser.Result read = JobSpecParser.read("""
                    name: x
                    variables: {base: "http://h"}
                    workflows:
                      - name: w
                        vus: 1
                        iterations: 1
                        steps:
                          - name: s
                            request:
                              url: %s
                    """.formatted(url));
            assertThat(read.problems()).singleElement().satisfies(problem -> assertThat(problem.message())
                    .startsWith("line 10, column")
                    .contains("a {{…}} template must be quoted in YAML", "url: \"{{base}}/login\"")
                    .doesNotContain("snakeyaml", "Event"));
        }
    }

    @Test
    void aRampMayStartFromNothing() {
        JobSpec job = JobSpecParser.parse("""
                name: ramp
                workflows:
                  - name: w
                    rate: 0
                    stages: [{duration: 10s, target: 40}]
                    steps: [{name: s, request: {url: "http://h/"}}]
                """);
        assertThat(job.workflows().get(0).load()).isEqualTo(new WorkflowSpec.Open(0, List.of(
                new WorkflowSpec.Stage(java.time.Duration.ofSeconds(10), 40)), JobSpecParser.DEFAULT_MAX_VUS));
    }

    @Test
    void aPlainDurationOnTheOpenModelIsOneConstantStage() {
        JobSpec job = JobSpecParser.parse("""
                name: open
                workflows:
                  - {name: w, rate: 50, duration: 2m, steps: [{name: s, request: {url: "https://h/"}}]}
                """);
        assertThat(job.workflows().get(0).load())
                .isEqualTo(new Open(50, List.of(new Stage(Duration.ofMinutes(2), 50)), JobSpecParser.DEFAULT_MAX_VUS));
    }

    @Test
    void theExceptionListsEveryProblem() {
        assertThatThrownBy(() -> JobSpecParser.parse("name: x\nworkflows: []\ncolour: red\n"))
                .isInstanceOf(InvalidJobException.class)
                .hasMessage("2 problems in the job:\n  workflows: must have at least one workflow\n"
                        + "  colour: unknown field");
    }
}
