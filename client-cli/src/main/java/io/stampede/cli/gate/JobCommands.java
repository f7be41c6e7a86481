package io.stampede.cli.gate;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;

import io.stampede.cli.ExitCodes;
import io.stampede.cli.JobStatuses;
import io.stampede.model.security.RecordSigning;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The commands that talk to a gate: run, submit, status, watch, cancel, jobs. */
public final class JobCommands {

    private JobCommands() {
    }

    /** A command about one job of one gate. */
    abstract static class OneJob implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        GateOption gate;

        @Parameters(paramLabel = "ID", description = "The job's id.")
        String id;
    }

    /** {@code --junit FILE}, for {@code run} and {@code watch}. */
    public static final class JunitOption {
        @Option(names = "--junit", paramLabel = "FILE",
                description = "Also write the outcome as JUnit XML for CI: a test for how the job ended, one per"
                        + " threshold and one per check.")
        Path file;

        /** Whether the file can be written; says why not otherwise. */
        boolean usable(String command, CommandSpec spec) {
            Optional<String> problem = file == null ? Optional.empty() : Reports.unwritable(file);
            problem.ifPresent(why -> spec.commandLine().getErr().println("stampede " + command + ": --junit " + file
                    + ": " + why));
            return problem.isEmpty();
        }
    }

    /** {@code --gate URL}, shared by every command here. */
    public static final class GateOption {
        @Option(names = "--gate", paramLabel = "URL[,URL...]",
                description = "The gates, comma-separated: the first is used, the others if it cannot be reached"
                        + " (default: $STAMPEDE_GATE, else the local cluster's gates, else http://127.0.0.1:8080).")
        String gate;

        GateClient client() {
            return GateClient.of(gate);
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Submit a job, show its progress live, print a table per workflow and step at the end."
                    + " Ctrl-C cancels the job. Exit code: 0 completed with every check and threshold passing,"
                    + " 99 a threshold crossed (or, with none set, the error rate at the gate's limit), 10 checks"
                    + " failed, 11 failed, 12 cancelled, 13 timed out, 15 partial, 14 gate unreachable, 3 invalid job,"
                    + " 2 bad command line.")
    public static final class Run implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        GateOption gate;

        @Parameters(paramLabel = "FILE", description = "The job file (YAML or JSON).")
        Path file;

        @Option(names = "--report", paramLabel = "FILE",
                description = "Also write a report: out.json, out.csv or out.html (one self-contained file)."
                        + " Repeat for several; each is checked before the job is submitted.")
        List<Path> reports = new ArrayList<>();

        @Option(names = "--per-datacenter", description = "Show progress per datacenter too.")
        boolean perDatacenter;

        @Mixin
        JunitOption junit;

        @Override
        public Integer call() throws IOException {
            for (Path report : reports) {
                Optional<String> problem = Reports.problem(report);
                if (problem.isPresent()) {
                    spec.commandLine().getErr().println("stampede run: --report " + report + ": " + problem.get());
                    return ExitCodes.USAGE;
                }
            }
            if (!junit.usable("run", spec)) {
                return ExitCodes.USAGE;
            }
            GateClient client = gate.client();
            // Before submitting: once the job is submitted, following it (and cancelling it on Ctrl-C) starts at once.
            Map<String, Duration> planned = planned(file);
            try {
                return follow(client, submit(client, file, spec), spec.commandLine().getOut(),
                        spec.commandLine().getErr(), reports, junit.file, perDatacenter, true, planned);
            } catch (Refused refused) {
                return refused.exitCode;
            }
        }
    }

    @Command(name = "submit", mixinStandardHelpOptions = true,
            description = "Submit a job and print its id; follow it with `stampede watch ID`.")
    public static final class Submit implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        GateOption gate;

        @Parameters(paramLabel = "FILE", description = "The job file (YAML or JSON).")
        Path file;

        @Override
        public Integer call() throws IOException {
            try {
                spec.commandLine().getOut().println(submit(gate.client(), file, spec));
                return ExitCodes.OK;
            } catch (Refused refused) {
                return refused.exitCode;
            }
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Print a job's status and statistics.")
    public static final class Status extends OneJob {

        @Override
        public Integer call() {
            GateClient.Answer answer = gate.client().job(id);
            if (!answer.ok()) {
                spec.commandLine().getErr().println("stampede status: " + answer.problem());
                return ExitCodes.FAILURE;
            }
            Reports.printTable(answer.body(), spec.commandLine().getOut());
            return ExitCodes.OK;
        }
    }

    @Command(name = "watch", mixinStandardHelpOptions = true,
            description = "Follow a running job until it ends, through the gate (Server-Sent Events) or straight"
                    + " from Kafka with --kafka.")
    public static final class Watch extends OneJob {

        @Option(names = "--kafka", paramLabel = "BOOTSTRAP",
                description = "Read stampede.jobs.events from these Kafka bootstrap servers instead of the gate.")
        String kafka;

        @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "60",
                description = "With --kafka: how long to wait for a first record about the job before saying"
                        + " there is no such job, and for the next one before saying its datacenters went quiet"
                        + " (default: ${DEFAULT-VALUE} s).")
        int waitSeconds;

        @Mixin
        JunitOption junit;

        @Override
        public Integer call() {
            if (!junit.usable("watch", spec)) {
                return ExitCodes.USAGE;
            }
            if (kafka != null && junit.file != null) {
                spec.commandLine().getErr().println("stampede watch: --junit needs the gate (the thresholds are the"
                        + " gates'); it cannot be used with --kafka");
                return ExitCodes.USAGE;
            }
            if (kafka != null) {
                // The same settings as the nodes' (STAMPEDE_KAFKA_*); a local cluster's broker, its own.
                io.stampede.model.security.KafkaSecurity security = io.stampede.model.security.KafkaSecurity
                        .fromEnvironment(System.getenv());
                java.nio.file.Path local = java.nio.file.Path.of(".stampede/local");
                if (System.getenv("STAMPEDE_KAFKA_SECURITY_PROTOCOL") == null) {
                    security = io.stampede.cli.local.LocalCluster.kafkaSecurity(local, kafka).orElse(security);
                }
                // Records are checked as the nodes check them: with their key (STAMPEDE_SECURITY_RECORD_KEY)
                // and the roles' public keys (STAMPEDE_SECURITY_RECORD_ROLE_PUBLIC_KEYS), or a local cluster's.
                String recordKey = System.getenv("STAMPEDE_SECURITY_RECORD_KEY");
                String rolePublicKeys = System.getenv("STAMPEDE_SECURITY_RECORD_ROLE_PUBLIC_KEYS");
                RecordSigning signing = recordKey != null && !recordKey.isBlank()
                        ? RecordSigning.of(recordKey, Optional.ofNullable(System.getenv(
                                "STAMPEDE_SECURITY_RECORD_SECONDARY_KEY")).filter(key -> !key.isBlank()))
                        : io.stampede.cli.local.LocalCluster.recordSigning(local, kafka).orElse(RecordSigning.off());
                if (signing.on() && recordKey != null && rolePublicKeys != null && !rolePublicKeys.isBlank()) {
                    try {
                        signing = signing.withRoles(io.stampede.model.security.RecordRoles.of(
                                java.util.List.of(rolePublicKeys.split(",")), Optional.empty(), Optional.empty()));
                    } catch (IllegalArgumentException e) {
                        spec.commandLine().getErr().println("stampede watch: STAMPEDE_SECURITY_RECORD_ROLE_PUBLIC_KEYS: "
                                + e.getMessage());
                        return ExitCodes.USAGE;
                    }
                }
                return KafkaWatch.follow(kafka, security, signing, id, Duration.ofSeconds(waitSeconds),
                        spec.commandLine().getOut(), spec.commandLine().getErr());
            }
            GateClient client = gate.client();
            GateClient.Answer known = client.job(id);
            if (!known.ok()) {
                spec.commandLine().getErr().println("stampede watch: " + known.problem());
                return ExitCodes.FAILURE;
            }
            return follow(client, id, spec.commandLine().getOut(), spec.commandLine().getErr(), List.of(), junit.file,
                    false, false, Map.of());
        }
    }

    @Command(name = "report", mixinStandardHelpOptions = true,
            description = "Write the report of a job the gate knows (one that ended, or one still running as it is"
                    + " now): .json, .csv or .html, from the extension.")
    public static final class Report extends OneJob {

        @Option(names = "--out", paramLabel = "FILE", required = true,
                description = "Where to write it: out.json, out.csv or out.html. Repeat for several.")
        List<Path> files = new ArrayList<>();

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            for (Path file : files) {
                Optional<String> problem = Reports.problem(file);
                if (problem.isPresent()) {
                    err.println("stampede report: --out " + file + ": " + problem.get());
                    return ExitCodes.USAGE;
                }
            }
            GateClient client = gate.client();
            GateClient.Answer answer = client.job(id);
            if (!answer.ok()) {
                err.println("stampede report: " + answer.problem());
                return ExitCodes.FAILURE;
            }
            JsonNode job = answer.body();
            if (!JobStatuses.terminal(job.path("status").asText())) {
                err.println("stampede report: job " + id + " is " + job.path("status").asText()
                        + ": the report shows it as it is now");
            }
            Reports.Series series = files.stream().anyMatch(file -> file.toString().toLowerCase(Locale.ROOT)
                    .endsWith(".html")) ? Reports.Series.of(client, job, err) : Reports.Series.NONE;
            for (Path file : files) {
                try {
                    Reports.write(file, job, series);
                    err.println("report: " + file.toAbsolutePath());
                } catch (IOException e) {
                    err.println("stampede report: could not write " + file + ": " + e.getMessage());
                    return ExitCodes.FAILURE;
                }
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel a job (idempotent).")
    public static final class Cancel extends OneJob {

        @Override
        public Integer call() {
            GateClient.Answer answer = gate.client().cancel(id);
            if (!answer.ok()) {
                spec.commandLine().getErr().println("stampede cancel: " + answer.problem());
                return ExitCodes.FAILURE;
            }
            String status = answer.body().path("status").asText();
            spec.commandLine().getOut().println(JobStatuses.terminal(status)
                    ? "job " + id + " had already ended: " + status
                    : "cancelling job " + id + "; `stampede watch " + id + "` shows when it has stopped");
            return ExitCodes.OK;
        }
    }

    @Command(name = "jobs", mixinStandardHelpOptions = true, description = "List the jobs the gate knows, newest first.")
    public static final class Jobs implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        GateOption gate;

        @Option(names = "--status", description = "Only jobs with this status (e.g. RUNNING, COMPLETED).")
        String status;

        @Option(names = "--page", defaultValue = "0")
        int page;

        @Option(names = "--size", defaultValue = "20")
        int size;

        @Override
        public Integer call() {
            if (status != null && JobStatuses.parse(status.toUpperCase(Locale.ROOT)).isEmpty()) {
                spec.commandLine().getErr().println("stampede jobs: --status " + status + " is not a job status; one of "
                        + java.util.Arrays.toString(io.stampede.model.lifecycle.JobStatus.values()));
                return ExitCodes.USAGE;
            }
            GateClient.Answer answer = gate.client().jobs(status, page, size);
            if (!answer.ok()) {
                spec.commandLine().getErr().println("stampede jobs: " + answer.problem());
                return ExitCodes.FAILURE;
            }
            PrintWriter out = spec.commandLine().getOut();
            out.printf("%-18s %-10s %-25s %s%n", "ID", "STATUS", "SUBMITTED", "NAME");
            for (JsonNode job : answer.body().path("jobs")) {
                out.printf("%-18s %-10s %-25s %s%n", job.path("id").asText(), job.path("status").asText(),
                        job.path("submittedAt").asText(), job.path("name").asText());
            }
            out.printf("%d of %d%n", answer.body().path("jobs").size(), answer.body().path("total").asInt());
            return ExitCodes.OK;
        }
    }

    /** A submission that did not go through; what was wrong has been printed. */
    static final class Refused extends RuntimeException {
        final int exitCode;

        Refused(int exitCode) {
            super(null, null, false, false);
            this.exitCode = exitCode;
        }
    }

    /**
     * Submits the file and returns the job id.
     *
     * @throws Refused after printing why, when the gate did not accept it
     */
    static String submit(GateClient client, Path file, CommandSpec spec) throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        String body;
        try {
            body = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            err.println("stampede: no such file: " + file);
            throw new Refused(ExitCodes.FAILURE);
        }
        String type = file.toString().toLowerCase(Locale.ROOT).endsWith(".json") ? "application/json" : "application/yaml";
        GateClient.Answer answer = client.submit(body, type, Optional.of(UUID.randomUUID().toString()));
        if (!answer.ok()) {
            err.println(file + ": " + answer.problem());
            // 403 with errors: the job asks for more than the key's limits, each excess at its path.
            boolean overLimits = answer.status() == 403 && answer.body() != null && !answer.body().path("errors").isEmpty();
            throw new Refused(answer.status() == 400 || answer.status() == 413 || overLimits ? ExitCodes.INVALID_JOB
                    : ExitCodes.FAILURE);
        }
        String id = answer.body().path("id").asText();
        List<String> datacenters = new ArrayList<>();
        answer.body().path("datacenters").forEach(dc -> datacenters.add(dc.asText()));
        spec.commandLine().getErr().println("submitted job " + id + " to " + String.join(", ", datacenters)
                + " through " + client.base());
        return id;
    }

    /**
     * Each workflow's planned running time, from the job's file, for the live table's progress
     * bars: its duration (or its stages'); none for work bounded by iterations only, or when the
     * file cannot be read again.
     */
    static Map<String, Duration> planned(Path file) {
        Map<String, Duration> planned = new java.util.LinkedHashMap<>();
        try {
            io.stampede.model.job.JobSpecParser.read(Files.readString(file, StandardCharsets.UTF_8)).job()
                    .ifPresent(job -> job.workflows().forEach(workflow -> workflow.load().duration()
                            .ifPresent(duration -> planned.put(workflow.name(), duration))));
        } catch (IOException e) {
            // No bars, then: the job was read a moment ago to submit it.
        }
        return planned;
    }

    /**
     * Follows a job to its end with progress lines, then prints the table, writes the reports and
     * returns the exit code. With {@code cancelOnInterrupt}, Ctrl-C cancels the job; the outcome
     * is still printed once, by whichever of this thread and the interrupt comes to it first.
     */
    static int follow(GateClient client, String id, PrintWriter out, PrintWriter err, List<Path> reports,
            Path junit, boolean perDatacenter, boolean cancelOnInterrupt, Map<String, Duration> planned) {
        Outcome outcome = new Outcome(junit);
        Thread cancel = new Thread(() -> {
            err.println("\ninterrupted: cancelling job " + id + " ...");
            err.flush();
            try {
                client.cancel(id);
                // This thread prints the outcome only if following does not get there first.
                if (!outcome.awaitPrinted(Duration.ofSeconds(10))) {
                    for (int i = 0; i < 50; i++) {
                        GateClient.Answer answer = client.job(id);
                        if (answer.ok() && JobStatuses.terminal(answer.body().path("status").asText())) {
                            outcome.print(answer.body(), out, err, List.of(), Reports.Series.NONE);
                            break;
                        }
                        Thread.sleep(200);
                    }
                }
            } catch (RuntimeException | InterruptedException e) {
                err.println("stampede: could not confirm the cancel: " + e.getMessage());
            }
            out.flush();
            err.flush();
            Runtime.getRuntime().halt(outcome.exitCode(ExitCodes.JOB_CANCELLED));
        }, "cancel-on-interrupt");
        if (cancelOnInterrupt) {
            Runtime.getRuntime().addShutdownHook(cancel);
        }
        try {
            Progress progress = new Progress(out, Progress.terminal(), perDatacenter, planned, System::nanoTime);
            client.watch(id, progress::update);
            progress.end();
            GateClient.Answer last = client.job(id);
            if (!last.ok()) {
                err.println("stampede: " + last.problem());
                return ExitCodes.FAILURE;
            }
            boolean charts = reports.stream().anyMatch(report -> report.toString().toLowerCase(Locale.ROOT)
                    .endsWith(".html"));
            return outcome.print(last.body(), out, err, reports,
                    charts ? Reports.Series.of(client, last.body(), err) : Reports.Series.NONE);
        } finally {
            // However following ended, only a real interrupt may cancel the job.
            if (cancelOnInterrupt) {
                try {
                    Runtime.getRuntime().removeShutdownHook(cancel);
                } catch (IllegalStateException e) {
                    // Already shutting down: the interrupt's thread ends the process with the outcome's code.
                }
            }
        }
    }

    /** A job's outcome, printed once whoever comes to it first. */
    private static final class Outcome {
        private final CountDownLatch printed = new CountDownLatch(1);
        private volatile int exitCode = -1;
        /** Where to write JUnit XML; null for nowhere. */
        private final Path junit;

        Outcome(Path junit) {
            this.junit = junit;
        }

        /** Prints the table, writes the reports and returns the exit code; a second call prints nothing. */
        synchronized int print(JsonNode job, PrintWriter out, PrintWriter err, List<Path> reports,
                Reports.Series series) {
            if (exitCode >= 0) {
                return exitCode;
            }
            int code = Reports.printOutcome(job, out);
            for (Path report : reports) {
                try {
                    Reports.write(report, job, series);
                    err.println("report: " + report.toAbsolutePath());
                } catch (IOException | IllegalArgumentException e) {
                    err.println("stampede: could not write the report " + report + ": " + e.getMessage());
                    code = code == ExitCodes.OK ? ExitCodes.FAILURE : code;
                }
            }
            if (junit != null) {
                try {
                    JunitReport.write(junit, job);
                    err.println("junit: " + junit.toAbsolutePath());
                } catch (IOException e) {
                    err.println("stampede: could not write the JUnit report " + junit + ": " + e.getMessage());
                    code = code == ExitCodes.OK ? ExitCodes.FAILURE : code;
                }
            }
            err.flush();
            exitCode = code;
            printed.countDown();
            return code;
        }

        boolean awaitPrinted(Duration timeout) throws InterruptedException {
            return printed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        int exitCode(int otherwise) {
            return exitCode >= 0 ? exitCode : otherwise;
        }
    }
}
