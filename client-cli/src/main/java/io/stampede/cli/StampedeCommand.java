package io.stampede.cli;

import io.stampede.cli.gate.DemoCommand;
import io.stampede.cli.gate.JobCommands;
import io.stampede.cli.job.NewCommand;
import io.stampede.cli.key.KeyCommand;
import io.stampede.cli.job.ValidateCommand;
import io.stampede.cli.local.LocalCommand;
import io.stampede.model.Stampede;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;

@Command(name = "stampede", mixinStandardHelpOptions = true, versionProvider = StampedeCommand.Version.class,
        description = "Distributed load testing: describe a job, run it from several datacenters, read exact numbers.",
        subcommands = {DemoCommand.class, JobCommands.Run.class, JobCommands.Submit.class, JobCommands.Status.class,
            JobCommands.Watch.class, JobCommands.Cancel.class, JobCommands.Jobs.class, JobCommands.Report.class,
            ValidateCommand.class,
            NewCommand.class, LocalCommand.class, KeyCommand.class})
public final class StampedeCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code stampede --version}. */
    public static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"stampede " + Stampede.VERSION, "Java " + Runtime.version()};
        }
    }
}
