package io.stampede.model.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.reader.StreamReader;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/**
 * The whole-document reader reads every document as SnakeYAML's own reader does (the same tree,
 * or the same error word for word, with its line, column and snippet), and a long scalar whole.
 */
class WholeDocumentReaderTest {

    private static final ObjectMapper OURS = YAMLMapper.builder(new WholeDocumentYamlFactory(options())).build();
    private static final ObjectMapper SNAKEYAMLS = YAMLMapper.builder(YAMLFactory.builder().loaderOptions(options())
            .build()).build();

    private static LoaderOptions options() {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(16 * 1024 * 1024);
        return options;
    }

    static Stream<Arguments> documents() throws IOException {
        String example = Files.readString(Path.of("../docs/examples/example-job.yaml"));
        String longLine = "a: \"" + "x".repeat(5_000) + "\"\nb: " + "y".repeat(3_000) + "\n";
        return Stream.of(
                Arguments.of("a job", WorkflowDocumentTest.JOB),
                Arguments.of("the example job", example),
                Arguments.of("lines of 5,000 and 3,000 characters, past SnakeYAML's 1,024-character reads", longLine),
                Arguments.of("CRLF line ends", "a: 1\r\nb:\r\n  - x\r\n  - y\r\n"),
                Arguments.of("a lone CR", "a: 1\rb: 2\n"),
                Arguments.of("a byte-order mark", "\uFEFFa: 1\nb: two\n"),
                Arguments.of("characters outside the BMP and accents", "name: \"caf\u00e9 \uD83D\uDE80\"\nk: \uD83D\uDE80x\n"),
                Arguments.of("a block scalar", "data: |\n  line one\n  line two\n\n  after a gap\nnext: folded\n"),
                Arguments.of("a folded scalar", "data: >-\n  one\n  two\n"),
                Arguments.of("anchors and aliases", "base: &b {x: 1}\nother: *b\n"),
                Arguments.of("escapes", "s: \"tab\\t nl\\n u\\u00e9 x\\x41\"\nt: 'it''s'\n"),
                Arguments.of("comments", "# top\na: 1 # trailing\n# end\n"),
                Arguments.of("an unclosed list", "name: [unclosed"),
                Arguments.of("an unclosed quote past 1,024 characters", "name: \"" + "z".repeat(2_000)),
                Arguments.of("a tab as indentation", "a:\n\tb: 1\n"),
                Arguments.of("a bad indentation", "a:\n  b: 1\n c: 2\n"),
                Arguments.of("a control character after 1,024 characters", "a: " + "w".repeat(1_500) + "\u0001\n"),
                Arguments.of("an alias to nothing", "a: *nothing\n"),
                Arguments.of("two documents", "a: 1\n---\nb: 2\n"),
                Arguments.of("empty", ""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("documents")
    void readsEveryDocumentAsSnakeYamlsOwnReaderDoes(String what, String document) {
        Object ours = read(OURS, document);
        Object theirs = read(SNAKEYAMLS, document);

        assertThat(ours).as(what).isEqualTo(theirs);
    }

    /** The tree, or the error's message (which carries the line, the column and a snippet). */
    private static Object read(ObjectMapper mapper, String document) {
        try {
            JsonNode tree = mapper.readTree(document);
            return tree == null ? "no tree" : tree;
        } catch (JsonProcessingException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    @Test
    void aFourMebibyteScalarOnOneLineIsReadWhole() throws IOException {
        String value = "v".repeat(4 * 1024 * 1024);

        JsonNode tree = OURS.readTree("name: big\npad: \"" + value + "\"\nafter: 1\n");

        assertThat(tree.get("pad").asText()).hasSize(value.length());
        assertThat(tree.get("after").asInt()).isEqualTo(1);
    }

    @Test
    void aJobWithAFourMebibyteValueIsAcceptedByTheParser() {
        String head = "name: big\nworkflows:\n  - {name: w, vus: 1, iterations: 1, steps: [{name: s, request: {url: "
                + "\"http://h/\"}}]}\nvariables:\n  pad: \"";
        String job = head + "x".repeat(JobSpecParser.MAX_JOB_BYTES - head.length() - 2) + "\"\n";

        assertThat(JobSpecParser.read(job).problems()).isEmpty();
    }

    /** Jobs are read by this reader, from text or bytes, and a copy of its mapper keeps its features. */
    @Test
    void jobsAreReadThroughItWhateverTheyAreReadFrom() throws IOException {
        assertThat(JobSpecParser.yamlFactory()).isInstanceOf(WholeDocumentYamlFactory.class);
        ObjectMapper strict = YAMLMapper.builder(new WholeDocumentYamlFactory(options()))
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();
        assertThat(strict.copy().getFactory()).isInstanceOf(WholeDocumentYamlFactory.class);
        assertThat(catchThrowable(() -> strict.copy().readTree("a: 1\na: 2\n"))).hasMessageContaining("Duplicate");
        byte[] bytes = WorkflowDocumentTest.JOB.getBytes(StandardCharsets.UTF_8);
        JsonNode fromText = OURS.readTree(WorkflowDocumentTest.JOB);
        assertThat(OURS.readTree(bytes)).isEqualTo(fromText);
        assertThat(OURS.readTree(new ByteArrayInputStream(bytes))).isEqualTo(fromText);
    }

    /** On a SnakeYAML upgrade: a new public method would read the superclass's empty text. */
    @Test
    void overridesEveryPublicMethodOfSnakeYamlsReader() {
        List<String> missing = Arrays.stream(StreamReader.class.getDeclaredMethods())
                .filter(method -> Modifier.isPublic(method.getModifiers()) && !Modifier.isStatic(method.getModifiers()))
                .filter(method -> !overridden(method))
                .map(Method::toString).toList();

        assertThat(missing).isEmpty();
    }

    private static boolean overridden(Method method) {
        try {
            WholeDocumentReader.class.getDeclaredMethod(method.getName(), method.getParameterTypes());
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    /**
     * Refused like SnakeYAML refuses them, at the character's line: SnakeYAML's own reader says
     * line 1, column 1 for any character in its first 1,024.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("notAllowed")
    void aCharacterYamlDoesNotAllowIsRefusedAtItsLine(String what, String document, int line) {
        Throwable thrown = catchThrowable(() -> OURS.readTree(document));

        assertThat(thrown).as(what).isInstanceOf(JsonProcessingException.class)
                .hasMessageStartingWith("special characters are not allowed")
                .hasMessageContaining("line: " + line + ",");
        assertThat(read(SNAKEYAMLS, document)).asString().contains("special characters are not allowed");
    }

    static Stream<Arguments> notAllowed() {
        return Stream.of(
                Arguments.of("a bell", "a: 1\nb: x\u0007y\n", 2),
                Arguments.of("a lone surrogate", "a: 1\nb: 2\nc: \uD800\n", 3),
                Arguments.of("a NUL in a quoted value", "a: \"x\u0000\"\n", 1));
    }
}
