package io.stampede.model.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.github.fge.jsonschema.core.report.ProcessingReport;
import com.github.fge.jsonschema.main.JsonSchema;
import com.github.fge.jsonschema.main.JsonSchemaFactory;

/** The published JSON Schema accepts every example job, and rejects what the parser rejects structurally. */
class JobSchemaTest {

    private static final Path DOCS = Path.of("../docs");
    private static JsonSchema schema;

    @BeforeAll
    static void loadSchema() throws Exception {
        JsonNode node = new ObjectMapper().readTree(DOCS.resolve("job-spec.schema.json").toFile());
        schema = JsonSchemaFactory.byDefault().getJsonSchema(node);
    }

    private static ProcessingReport check(String yaml) throws Exception {
        return schema.validate(new YAMLMapper().readTree(yaml));
    }

    @Test
    void everyExampleJobIsValidForTheSchemaAndTheParser() throws Exception {
        List<Path> examples;
        try (Stream<Path> files = Files.list(DOCS.resolve("examples"))) {
            examples = files.filter(path -> path.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(examples).isNotEmpty();
        for (Path example : examples) {
            String text = Files.readString(example);
            assertThat(check(text).isSuccess()).as(example + ": " + check(text)).isTrue();
            assertThat(JobSpecParser.read(text).problems()).as(example.toString()).isEmpty();
        }
        assertThat(check(JobSpecParserTest.FULL).isSuccess()).as(check(JobSpecParserTest.FULL).toString()).isTrue();
    }

    @Test
    void rejectsStructuralMistakes() throws Exception {
        String step = "steps: [{name: s, request: {url: 'http://h/'}}]";
        assertThat(check("name: x\nworkflows: []").isSuccess()).isFalse();
        assertThat(check("name: x\ncolour: red\nworkflows: [{name: w, vus: 1, iterations: 1, " + step + "}]")
                .isSuccess()).isFalse();
        assertThat(check("name: x\nworkflows: [{name: w, vus: 1, rate: 3, duration: 1m, " + step + "}]").isSuccess())
                .isFalse();
        assertThat(check("name: x\nworkflows: [{name: w, vus: 1, duration: '30', " + step + "}]").isSuccess())
                .isFalse();
        assertThat(check("name: x\nworkflows: [{name: w, rate: 3, " + step + "}]").isSuccess()).isFalse();
        assertThat(check("name: x\nworkflows: [{name: w, vus: 1, iterations: 1, steps: [{name: s, request:"
                + " {url: 'http://h/'}, checks: [{status: 200, bodyContains: x}]}]}]").isSuccess()).isFalse();
        assertThat(check("name: x\nworkflows: [{name: w, vus: 1, iterations: 1, " + step + "}]").isSuccess()).isTrue();
    }
}
