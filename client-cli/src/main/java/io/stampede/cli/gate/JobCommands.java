package io.stampede.cli.gate;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import com.fasterxml.jackson.databind.JsonNode;

import io.stampede.cli.ExitCodes;
import io.stampede.cli.JobStatuses;
import io.stampede.model.Topics;
import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.Payload;
import io.stampede.model.wire.RecordCodec;
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

    /** {@code --gate URL}, shared by every command here. */
    public static final class GateOption {
        @Option(names = "--gate", paramLabel = "URL[,URL...]",
                description = "The gates, comma-separated: the first is used, the others if it cannot be reached"
                        + " (default: $STAMPEDE_GATE, else the local cluster's gates, else http://127.0.0.1:8080).")
        String gate;

        GateClient client() {
            return new GateClient(GateClient.locate(gate));
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Submit a job, show its progress live, print a table per workflow and step at the end."
                    + " Ctrl-C cancels the job. Exit code: 0 completed with every check passing, 10 checks failed,"
                    + " 11 failed, 12 cancelled, 13 timed out, 14 gate unreachable, 3 invalid job.")
    public static final class Run implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        GateOption gate;

        @Parameters(paramLabel = "FILE", description = "The job file (YAML or JSON).")
        Path file;

        @Option(names = "--report", paramLabel = "FILE",
                description = "Also write a report: out.json, out.csv or out.html (one self-contained file).")
        Path report;

        @Option(names = "--per-datacenter", description = "Show progress per datacenter too.")
        boolean perDatacenter;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            GateClient client = gate.client();
            try {
                return follow(client, submit(client, file, spec), out, report, perDatacenter, true);
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
                        + " there is no such job (default: ${DEFAULT-VALUE} s).")
        int waitSeconds;

        @Override
        public Integer call() {
            if (kafka != null) {
                return watchKafka(kafka, id, Duration.ofSeconds(waitSeconds), spec.commandLine().getOut(),
                        spec.commandLine().getErr());
            }
            GateClient client = gate.client();
            GateClient.Answer known = client.job(id);
            if (!known.ok()) {
                spec.commandLine().getErr().println("stampede watch: " + known.problem());
                return ExitCodes.FAILURE;
            }
            return follow(client, id, spec.commandLine().getOut(), null, false, false);
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
            throw new Refused(answer.status() == 400 ? ExitCodes.INVALID_JOB : ExitCodes.FAILURE);
        }
        String id = answer.body().path("id").asText();
        List<String> datacenters = new ArrayList<>();
        answer.body().path("datacenters").forEach(dc -> datacenters.add(dc.asText()));
        spec.commandLine().getErr().println("submitted job " + id + " to " + String.join(", ", datacenters)
                + " through " + client.base());
        return id;
    }

    /** Follows a job to its end with progress lines, then prints the table and returns the exit code. */
    static int follow(GateClient client, String id, PrintWriter out, Path report, boolean perDatacenter,
            boolean cancelOnInterrupt) {
        Thread cancel = new Thread(() -> {
            out.println("\ninterrupted: cancelling job " + id + " ...");
            out.flush();
            try {
                client.cancel(id);
                for (int i = 0; i < 50; i++) {
                    GateClient.Answer answer = client.job(id);
                    if (answer.ok() && JobStatuses.terminal(answer.body().path("status").asText())) {
                        Reports.printTable(answer.body(), out);
                        break;
                    }
                    Thread.sleep(200);
                }
            } catch (RuntimeException | InterruptedException e) {
                out.println("could not confirm the cancel: " + e.getMessage());
            }
            out.flush();
            Runtime.getRuntime().halt(ExitCodes.JOB_CANCELLED);
        }, "cancel-on-interrupt");
        if (cancelOnInterrupt) {
            Runtime.getRuntime().addShutdownHook(cancel);
        }
        long started = System.nanoTime();
        List<Reports.Sample> samples = new ArrayList<>();
        Map<String, long[]> previous = new HashMap<>();
        client.watch(id, job -> {
            double seconds = (System.nanoTime() - started) / 1e9;
            samples.add(new Reports.Sample(seconds, job));
            printProgress(job, seconds, previous, out, perDatacenter);
        });
        if (cancelOnInterrupt) {
            try {
                Runtime.getRuntime().removeShutdownHook(cancel);
            } catch (IllegalStateException e) {
                // Already shutting down: the hook is cancelling the job.
            }
        }
        GateClient.Answer last = client.job(id);
        if (!last.ok()) {
            out.println("stampede: " + last.problem());
            return ExitCodes.FAILURE;
        }
        JsonNode job = last.body();
        Reports.printTable(job, out);
        List<String> failedChecks = Reports.failedChecks(job);
        if (!failedChecks.isEmpty()) {
            out.println("  failed checks: " + String.join(", ", failedChecks));
        }
        if (report != null) {
            try {
                Reports.write(report, job, samples);
                out.println("report: " + report.toAbsolutePath());
            } catch (IOException | IllegalArgumentException e) {
                out.println("stampede: could not write the report: " + e.getMessage());
                return ExitCodes.FAILURE;
            }
        }
        out.flush();
        return ExitCodes.forJob(job.path("status").asText(), !failedChecks.isEmpty());
    }

    private static void printProgress(JsonNode job, double seconds, Map<String, long[]> previous, PrintWriter out,
            boolean perDatacenter) {
        for (JsonNode workflow : job.path("workflows")) {
            printLine(job.path("status").asText(), "", workflow, seconds, previous, out);
        }
        if (perDatacenter) {
            job.path("datacenters").fields().forEachRemaining(dc -> {
                for (JsonNode workflow : dc.getValue().path("statistics")) {
                    printLine(dc.getValue().path("status").asText(), dc.getKey() + " ", workflow, seconds, previous, out);
                }
            });
        }
        out.flush();
    }

    private static void printLine(String status, String prefix, JsonNode workflow, double seconds,
            Map<String, long[]> previous, PrintWriter out) {
        long requests = 0;
        long failed = 0;
        double p99 = 0;
        for (JsonNode step : workflow.path("steps")) {
            requests += step.path("requests").asLong();
            failed += step.path("failed").asLong();
            p99 = Math.max(p99, step.path("latencyMs").path("p99").asDouble());
        }
        String key = prefix + workflow.path("workflow").asText();
        long[] before = previous.getOrDefault(key, new long[] {0, 0});
        double interval = Math.max(0.001, (System.nanoTime() - before[1]) / 1e9);
        double rate = before[1] == 0 ? 0 : (requests - before[0]) / interval;
        previous.put(key, new long[] {requests, System.nanoTime()});
        out.printf(Locale.ROOT, "[%6.1fs] %-24s %-10s %9d req %9.1f req/s  p99 %8.2f ms  errors %d%n", seconds, key,
                status, requests, rate, p99, failed);
    }

    /**
     * {@code watch --kafka}: the datacenters' and the gate's records for one job, straight from
     * Kafka. With no record about the job within {@code wait}, there is no such job (or it has not
     * started anywhere yet): it says so and returns instead of waiting for ever.
     */
    static int watchKafka(String bootstrap, String id, Duration wait, PrintWriter out, PrintWriter err) {
        long deadline = System.nanoTime() + wait.toNanos();
        boolean heard = false;
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(properties, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.JOB_EVENTS, Duration.ofSeconds(10)).stream()
                    .map(info -> new TopicPartition(Topics.JOB_EVENTS, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (true) {
                if (!heard && System.nanoTime() > deadline) {
                    err.println("stampede watch: No such job: no record about " + id + " on " + Topics.JOB_EVENTS
                            + " within " + wait.toSeconds() + " s (is the id right? --wait waits longer)");
                    return ExitCodes.FAILURE;
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (!id.equals(record.key())
                            || !(RecordCodec.decode(record.value()) instanceof RecordCodec.Accepted accepted)) {
                        continue;
                    }
                    heard = true;
                    Envelope envelope = accepted.envelope();
                    Payload payload = envelope.payload();
                    if (payload instanceof Payload.DatacenterProgress progress) {
                        progress.windows().forEach((workflow, window) -> out.printf("%s %s %s: %d requests in %.1f s%n",
                                envelope.sender(), progress.datacenter(), workflow,
                                window.steps().stream().mapToLong(step -> step.requests()).sum(), window.seconds()));
                    } else if (payload instanceof Payload.DatacenterFinished finished) {
                        out.printf("%s %s finished: %s%n", envelope.sender(), finished.datacenter(), finished.status());
                    } else if (payload instanceof Payload.JobFinished finished) {
                        out.printf("job %s finished: %s%n", id, finished.status());
                        out.flush();
                        return ExitCodes.forJob(finished.status(), false);
                    }
                    out.flush();
                }
            }
        }
    }
}
