package io.stampede.cli.job;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import io.stampede.cli.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "new", mixinStandardHelpOptions = true,
        description = "Write a commented example job to start from.")
public final class NewCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", defaultValue = "job.yaml", description = "Where to write it (default: ${DEFAULT-VALUE}).")
    Path file;

    @Option(names = "--force", description = "Overwrite the file if it exists.")
    boolean force;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Path folder = file.toAbsolutePath().getParent();
        if (folder != null && !Files.isDirectory(folder)) {
            spec.commandLine().getErr().println("stampede new: no such folder: " + folder + " (create it first)");
            return ExitCodes.FAILURE;
        }
        if (Files.exists(file) && !force) {
            spec.commandLine().getErr().println("stampede new: " + file + " exists; use --force to overwrite it");
            return ExitCodes.FAILURE;
        }
        try (InputStream example = NewCommand.class.getResourceAsStream("/io/stampede/cli/example-job.yaml")) {
            Files.write(file, example.readAllBytes());
        }
        out.println("Wrote " + file + ". Edit it, then: stampede validate " + file);
        return ExitCodes.OK;
    }
}
