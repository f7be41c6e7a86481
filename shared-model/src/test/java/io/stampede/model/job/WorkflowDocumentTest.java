package io.stampede.model.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class WorkflowDocumentTest {

    static final String JOB = """
            name: shop
            timeout: 5m
            variables: {base: "http://h"}
            workflows:
              - name: login
                vus: 2
                iterations: 1
                exports: [token]
                steps: [{name: in, request: {url: "{{base}}/in"}, extract: [{var: token, header: X-Token}]}]
              - name: browse
                dependsOn: [login]
                vus: 4
                duration: 1m
                steps: [{name: list, request: {url: "{{base}}/list?t={{token}}"}}]
            """;

    @Test
    void aWorkflowsDocumentIsAJobOfItsOwnWithItsDependenciesExportsDeclared() {
        String document = JobSpecParser.workflowDocuments(JOB).get("browse");

        JobSpec alone = JobSpecParser.parse(document);
        WorkflowSpec original = JobSpecParser.parse(JOB).workflow("browse").orElseThrow();
        assertThat(alone.workflows()).singleElement().satisfies(workflow -> {
            assertThat(workflow.name()).isEqualTo("browse");
            assertThat(workflow.dependsOn()).isEmpty();
            assertThat(workflow.load()).isEqualTo(original.load());
            assertThat(workflow.steps()).extracting(StepSpec::name).containsExactly("list");
        });
        assertThat(alone.variables()).containsEntry("base", "http://h").containsEntry("token", "");
        assertThat(document).doesNotContain("login").hasSizeLessThan(JOB.length());
    }

    @Test
    void everyWorkflowHasItsDocumentAndEachIsAValidJob() {
        assertThat(JobSpecParser.workflowDocuments(JOB)).containsOnlyKeys("login", "browse")
                .allSatisfy((name, document) -> assertThat(JobSpecParser.read(document).problems()).isEmpty());
        assertThatThrownBy(() -> JobSpecParser.workflowDocuments("name: [")).isInstanceOf(IllegalArgumentException.class);
    }
}
