package io.stampede.cli.job;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import io.stampede.cli.ExitCodes;
import io.stampede.model.job.Durations;
import io.stampede.model.job.JobSpec;
import io.stampede.model.job.JobSpecParser;
import io.stampede.model.job.Problem;
import io.stampede.model.job.WorkflowSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Check a job file (YAML or JSON) and list every problem with its path."
                + " Exit code 0 when the job is valid, 3 when it is not.")
public final class ValidateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "The job file, or - for standard input.")
    String file;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String text;
        try {
            text = file.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
                    : Files.readString(Path.of(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            err.println("stampede validate: no such file: " + file);
            return ExitCodes.FAILURE;
        }
        JobSpecParser.Result result = JobSpecParser.read(text);
        if (result.job().isEmpty()) {
            err.println(file + ": " + result.problems().size() + " problem" + (result.problems().size() == 1 ? "" : "s"));
            for (Problem problem : result.problems()) {
                err.println("  " + problem);
            }
            return ExitCodes.INVALID_JOB;
        }
        JobSpec job = result.job().get();
        out.println(file + ": valid job '" + job.name() + "' with " + job.workflows().size() + " workflow"
                + (job.workflows().size() == 1 ? "" : "s"));
        for (WorkflowSpec workflow : job.workflowsInDependencyOrder()) {
            out.println("  " + workflow.name() + ": " + describe(workflow.load()) + ", " + workflow.steps().size()
                    + " step" + (workflow.steps().size() == 1 ? "" : "s")
                    + (workflow.dependsOn().isEmpty() ? "" : ", after " + String.join(", ", workflow.dependsOn())));
        }
        return ExitCodes.OK;
    }

    static String describe(WorkflowSpec.LoadModel load) {
        if (load instanceof WorkflowSpec.Closed closed) {
            String limits = closed.duration().map(Durations::format).map(d -> "for " + d).orElse("")
                    + (closed.duration().isPresent() && closed.iterations().isPresent() ? " or " : "")
                    + closed.iterations().map(n -> n + " iteration" + (n == 1 ? "" : "s") + " each").orElse("");
            return closed.vus() + " virtual user" + (closed.vus() == 1 ? "" : "s") + " " + limits;
        }
        WorkflowSpec.Open open = (WorkflowSpec.Open) load;
        double peak = Math.max(open.rate(), open.stages().stream().mapToDouble(WorkflowSpec.Stage::target).max().orElse(0));
        return "open model from " + format(open.rate()) + "/s (peak " + format(peak) + "/s) for "
                + Durations.format(open.duration().orElseThrow()) + ", at most " + open.maxVus() + " at once";
    }

    private static String format(double rate) {
        return rate == Math.rint(rate) ? Long.toString((long) rate) : Double.toString(rate);
    }
}
