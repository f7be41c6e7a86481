package io.stampede.cli.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.stampede.cli.Main;
import picocli.CommandLine;

class JobCommandsTest {

    @TempDir
    Path directory;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int stampede(String... args) {
        CommandLine command = Main.commandLine();
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(err, true));
        return command.execute(args);
    }

    @Test
    void newWritesAnExampleThatValidatesAndMatchesTheDocs() throws IOException {
        Path job = directory.resolve("job.yaml");

        assertThat(stampede("new", job.toString())).isZero();
        assertThat(out.toString()).contains("Wrote " + job);
        assertThat(Files.readString(job)).isEqualTo(Files.readString(Path.of("../docs/examples/example-job.yaml")));

        assertThat(stampede("validate", job.toString())).as(err.toString()).isZero();
        assertThat(out.toString())
                .contains("valid job 'example shop' with 2 workflows")
                .contains("login: 10 virtual users 1 iteration each, 1 step")
                .contains("browse: open model from 20/s (peak 50/s) for 90s, at most 200 at once, 1 step, after login");
    }

    @Test
    void anUnknownStatusIsABadCommandLineCheckedBeforeAnyGateIsAsked() {
        assertThat(stampede("jobs", "--status", "bogus", "--gate", "http://127.0.0.1:1")).isEqualTo(2);
        assertThat(err.toString()).contains("--status bogus is not a job status; one of [SUBMITTED, RUNNING,");
    }

    @Test
    void newIntoAMissingFolderSaysSo() {
        Path job = directory.resolve("no/such/folder/job.yaml");

        assertThat(stampede("new", job.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("stampede new: no such folder: " + job.getParent(), "create it first");
    }

    @Test
    void aGateThatIsNotAUrlIsABadCommandLine() {
        assertThat(stampede("status", "--gate", "notaurl", "job-1")).isEqualTo(2);
        assertThat(err.toString()).contains("--gate: 'notaurl' is not a gate URL such as http://127.0.0.1:8080");
    }

    @Test
    void nothingAnsweringAtTheGateGetsAHintAtStartingOrNamingOne() {
        int port = io.stampede.local.FreePorts.tcp();

        assertThat(stampede("status", "--gate", "http://127.0.0.1:" + port, "job-1")).isEqualTo(14);
        assertThat(err.toString()).contains("cannot reach the gate", "stampede local up", "--gate URL");
    }

    @Test
    void newNeverOverwritesUnlessForced() throws IOException {
        Path job = directory.resolve("mine.yaml");
        Files.writeString(job, "keep me");

        assertThat(stampede("new", job.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("exists; use --force");
        assertThat(Files.readString(job)).isEqualTo("keep me");
        assertThat(stampede("new", "--force", job.toString())).isZero();
        assertThat(Files.readString(job)).startsWith("# A Stampede job.");
    }

    @Test
    void validateListsEveryProblemAndExitsWithThree() throws IOException {
        Path job = directory.resolve("bad.yaml");
        Files.writeString(job, """
                name: broken
                workflows:
                  - name: a
                    vus: 0
                    duration: 30
                    steps: [{name: s, request: {url: /relative}}]
                """);

        assertThat(stampede("validate", job.toString())).isEqualTo(3);
        assertThat(err.toString()).contains(job + ": 3 problems",
                "  workflows[0].vus: must be between 1 and 1000000, got 0",
                "  workflows[0].duration: '30' needs a unit: ms, s, m or h (e.g. 30s)",
                "  workflows[0].steps[0].request.url: '/relative' is not an absolute http(s) URL");
    }

    @Test
    void validateSaysWhenTheFileIsMissing() {
        assertThat(stampede("validate", directory.resolve("nope.yaml").toString())).isEqualTo(1);
        assertThat(err.toString()).contains("no such file");
    }

    @Test
    void anUnreachableGateHasItsOwnExitCode() {
        String gate = "--gate=http://127.0.0.1:" + io.stampede.local.FreePorts.tcp();

        assertThat(stampede("status", gate, "job-1")).isEqualTo(14);
        assertThat(err.toString()).contains("cannot reach the gate at http://127.0.0.1:");
    }
}
