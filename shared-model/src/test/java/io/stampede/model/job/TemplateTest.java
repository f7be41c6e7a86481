package io.stampede.model.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

class TemplateTest {

    private static Template.Scope scope(Map<String, String> variables) {
        return new Template.Scope() {
            private long sequence;
            private final RandomGenerator random = new SplittableRandom(1);

            @Override
            public String variable(String name) {
                return variables.get(name);
            }

            @Override
            public long vu() {
                return 7;
            }

            @Override
            public long iteration() {
                return 3;
            }

            @Override
            public long nextSequence() {
                return ++sequence;
            }

            @Override
            public RandomGenerator random() {
                return random;
            }

            @Override
            public long epochMillis() {
                return 1_700_000_000_000L;
            }
        };
    }

    @Test
    void rendersVariablesAndBuiltIns() {
        Template template = Template.parse("{{base}}/u/{{vu}}/{{ iteration }}?s={{sequence}}&t={{timestamp}}");
        Template.Scope scope = scope(Map.of("base", "http://h"));

        assertThat(template.render(scope)).isEqualTo("http://h/u/7/3?s=1&t=1700000000000");
        assertThat(template.render(scope)).isEqualTo("http://h/u/7/3?s=2&t=1700000000000");
        assertThat(template.variables()).containsExactly("base");
        assertThat(template.isConstant()).isFalse();
    }

    @Test
    void randomValuesStayInTheirRange() {
        Template template = Template.parse("{{randomInt 5 7}}|{{uuid}}");
        Template.Scope scope = scope(Map.of());
        for (int i = 0; i < 200; i++) {
            String[] parts = template.render(scope).split("\\|");
            assertThat(Integer.parseInt(parts[0])).isBetween(5, 7);
            assertThat(parts[1]).matches("[0-9a-f-]{36}");
            java.util.UUID uuid = java.util.UUID.fromString(parts[1]);
            assertThat(uuid.version()).as(parts[1]).isEqualTo(4);
            assertThat(uuid.variant()).as(parts[1]).isEqualTo(2);
        }
    }

    @Test
    void constantTemplatesRenderTheirSource() {
        Template template = Template.parse("http://h/static");
        assertThat(template.isConstant()).isTrue();
        assertThat(template.render(null)).isEqualTo("http://h/static");
    }

    @Test
    void jsonTemplatesEscapeWhatTheyInsert() throws Exception {
        Template template = Template.parseJson("{\"name\":\"{{name}}\"}");
        String rendered = template.render(scope(Map.of("name", "say \"hi\"\n\\")));

        assertThat(new ObjectMapper().readTree(rendered).get("name").asText()).isEqualTo("say \"hi\"\n\\");
    }

    @Test
    void aMissingValueIsNamed() {
        assertThatThrownBy(() -> Template.parse("{{token}}").render(scope(Map.of())))
                .isInstanceOf(Template.MissingVariableException.class)
                .hasMessage("variable 'token' has no value");
    }

    @Test
    void durationsParseAndPrint() {
        assertThat(Durations.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Durations.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(Durations.format(Duration.ofMinutes(2))).isEqualTo("2m");
        assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
    }

    @Test
    void jsonPathSelectsFieldsIndexesAndWildcards() throws Exception {
        var document = new ObjectMapper().readTree("{\"a\":{\"b\":[{\"c\":1},{\"c\":2}]},\"odd key\":true}");

        assertThat(JsonPath.compile("$.a.b[1].c").select(document)).extracting(Object::toString).containsExactly("2");
        assertThat(JsonPath.compile("$.a.b[*].c").select(document)).extracting(Object::toString)
                .containsExactly("1", "2");
        assertThat(JsonPath.compile("$['odd key']").select(document)).extracting(Object::toString)
                .containsExactly("true");
        assertThat(JsonPath.compile("$.a.b[5]").select(document)).isEmpty();
        assertThat(JsonPath.compile("$").select(document)).containsExactly(document);
        assertThatThrownBy(() -> JsonPath.compile("$.a[b")).hasMessageContaining("without ']'");
    }

    @Test
    void suggestsTheClosestName() {
        assertThat(Suggestions.closest("tokn", java.util.List.of("token", "user"))).contains("token");
        assertThat(Suggestions.closest("xyz", java.util.List.of("token", "user"))).isEmpty();
    }
}
