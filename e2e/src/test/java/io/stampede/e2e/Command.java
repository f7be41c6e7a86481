package io.stampede.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.stampede.cli.local.LocalCluster;
import io.stampede.local.Processes;
import io.stampede.model.NodeRole;
import io.stampede.model.security.KafkaSecurity;
import io.stampede.model.security.RecordSigning;
import io.stampede.testkit.KafkaProbe;

/** Runs a command to completion with a time limit, capturing what it printed. */
final class Command {

    /** Where the checkout is: the build passes it in, so tests run what users run. */
    /**
     * The tests' HTTP client: HTTP/1.1, as the command line speaks. A node's HTTP port also speaks
     * HTTP/2 with prior knowledge (gRPC); the JDK client's default, an HTTP/1.1 request asking to
     * upgrade to HTTP/2, has been seen to garble a large answer (a node's metrics). It sends the
     * run's API key.
     */
    static final java.net.http.HttpClient HTTP = new KeyedHttpClient(java.net.http.HttpClient.newBuilder()
            .version(java.net.http.HttpClient.Version.HTTP_1_1).build());

    static final Path HOME = Path.of(System.getProperty("stampede.home", "..")).toAbsolutePath().normalize();

    record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    private Command() {
    }

    /**
     * A Kafka client for the topics of the local cluster started in {@code directory}, writing
     * records signed with that cluster's record key as its nodes do, and as a node of the role that
     * writes the record (what a test writes stands for a node's record; {@link KafkaProbe#sendUnsigned}
     * writes as an outsider).
     */
    static KafkaProbe kafkaProbe(Path directory, String bootstrapServers) {
        Path local = directory.resolve(".stampede/local");
        Map<NodeRole, RecordSigning> byRole = new java.util.EnumMap<>(NodeRole.class);
        for (NodeRole role : NodeRole.values()) {
            byRole.put(role, LocalCluster.recordSigning(local, role));
        }
        return KafkaProbe.signingAs(bootstrapServers, KafkaSecurity.PLAINTEXT, byRole);
    }

    /** {@code stampede <args>} from the packaged jar, in {@code directory}. */
    static Result stampede(Path directory, Duration timeout, String... args) {
        return stampede(directory, timeout, Map.of(), args);
    }

    /** The environment of a command that finds no API key in it (a null value removes a variable). */
    static final Map<String, String> WITHOUT_API_KEY = java.util.Collections.singletonMap("STAMPEDE_API_KEY", null);

    /** {@code stampede <args>} with changes to its environment: a null value removes a variable. */
    static Result stampede(Path directory, Duration timeout, Map<String, String> environment, String... args) {
        List<String> command = new ArrayList<>(List.of(Processes.javaExecutable(),
                "-Dstampede.home=" + HOME, "-jar", HOME.resolve("client-cli/target/stampede.jar").toString()));
        command.addAll(List.of(args));
        return run(directory, command, environment, timeout);
    }

    /** A service's packaged jar with extra JVM options and environment. */
    static Result service(String service, Path directory, List<String> jvmOptions, Map<String, String> environment,
            Duration timeout) {
        List<String> command = new ArrayList<>(List.of(Processes.javaExecutable()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", HOME.resolve(service + "/target/quarkus-app/quarkus-run.jar").toString()));
        return run(directory, command, environment, timeout);
    }

    /** Live processes whose command line carries the marker of the local cluster in {@code directory}. */
    /** Stops the local cluster started in {@code directory}, and any of its processes left behind. */
    static void localDown(Path directory) {
        stampede(directory, Duration.ofMinutes(2), "local", "down");
        localClusterProcesses(directory).forEach(process -> io.stampede.local.Processes.stop(process, Duration.ofSeconds(5)));
    }

    /** Closes the test's target server, if it started, and stops the local cluster in {@code directory}. */
    static void stopCluster(Path directory, io.stampede.testkit.TargetServer target) {
        if (target != null) {
            target.close();
        }
        localDown(directory);
    }

    /** A node of the local cluster in {@code directory}, as its state file has it now (a restart changes its pid). */
    static com.fasterxml.jackson.databind.JsonNode node(Path directory, String id) {
        try {
            for (com.fasterxml.jackson.databind.JsonNode node : new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(directory.resolve(".stampede/local/cluster.json").toFile()).get("nodes")) {
                if (node.get("id").asText().equals(id)) {
                    return node;
                }
            }
        } catch (IOException e) {
            throw new AssertionError("cannot read the cluster's state in " + directory, e);
        }
        throw new AssertionError("no node " + id + " in the cluster in " + directory);
    }

    /**
     * POSTs a YAML job to a gate, expects 202, and returns the job's id. A 503 (no datacenter can
     * take it now: a manager on this 2-core machine judged overloaded for a moment) is asked again,
     * as the CLI does, for up to 30 s.
     */
    static String submit(String gateUrl, String yaml) throws Exception {
        java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(gateUrl
                + "/api/v1/jobs")).header("Content-Type", "application/yaml")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(yaml)).build();
        List<java.net.http.HttpResponse<String>> answers = new ArrayList<>();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1))
                .until(() -> {
                    answers.add(HTTP.send(request, java.net.http.HttpResponse.BodyHandlers.ofString()));
                    return answers.get(answers.size() - 1).statusCode() != 503;
                });
        java.net.http.HttpResponse<String> accepted = answers.get(answers.size() - 1);
        if (accepted.statusCode() != 202) {
            throw new AssertionError("expected 202, got " + accepted.statusCode() + ": " + accepted.body());
        }
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(accepted.body()).get("id").asText();
    }

    /**
     * The job as the gate shows it once it has ended, waiting at most {@code within}. A job still
     * running then fails the test with what the gate shows of it and the last lines about it in
     * the logs of the local cluster in {@code directory}, on one line: the summary of a failed run
     * is often all there is to read.
     */
    static com.fasterxml.jackson.databind.JsonNode ended(String gateUrl, String jobId, Duration within, Path directory)
            throws Exception {
        return job(gateUrl, jobId, within, directory, "ended",
                job -> io.stampede.cli.JobStatuses.terminal(job.get("status").asText()));
    }

    /**
     * The job as the gate shows it once {@code until} holds of it, waiting at most {@code within};
     * otherwise the test fails with {@link #described} (what the gate shows and the logs say of it).
     */
    static com.fasterxml.jackson.databind.JsonNode job(String gateUrl, String jobId, Duration within, Path directory,
            String what, java.util.function.Predicate<com.fasterxml.jackson.databind.JsonNode> until) throws Exception {
        try {
            org.awaitility.Awaitility.await().atMost(within).ignoreExceptions()
                    .until(() -> until.test(getJson(gateUrl + "/api/v1/jobs/" + jobId)));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("job " + jobId + " had not " + what + " after " + within.toSeconds() + " s: "
                    + described(gateUrl, jobId, directory), e);
        }
        return getJson(gateUrl + "/api/v1/jobs/" + jobId);
    }

    /**
     * What the gate shows of a job (its status, each datacenter's, why it went there, its errors and
     * last events) and the last lines naming it in the logs of the local cluster in {@code directory},
     * on one line.
     */
    static String described(String gateUrl, String jobId, Path directory) {
        StringBuilder why = new StringBuilder();
        try {
            com.fasterxml.jackson.databind.JsonNode job = getJson(gateUrl + "/api/v1/jobs/" + jobId);
            why.append("status ").append(job.path("status").asText());
            job.path("datacenters").fields().forEachRemaining(dc -> why.append(", ").append(dc.getKey()).append(' ')
                    .append(dc.getValue().path("status").asText()).append(' ').append(dc.getValue().path("workflows")));
            why.append(", routing ").append(job.path("routing").path("reason").asText())
                    .append(", errors ").append(job.path("errors")).append(", last events");
            com.fasterxml.jackson.databind.JsonNode events = job.path("events");
            for (int i = Math.max(0, events.size() - 5); i < events.size(); i++) {
                why.append(' ').append(events.get(i));
            }
        } catch (Exception unreadable) {
            why.append("the gate did not answer (").append(unreadable).append(')');
        }
        return why.append(logLines(directory, jobId)).toString();
    }

    /** The last three lines naming {@code text} in each log of the local cluster in {@code directory}, on one line. */
    private static String logLines(Path directory, String text) {
        StringBuilder lines = new StringBuilder();
        List<Path> logs = new ArrayList<>();
        for (Path folder : List.of(directory, directory.resolve(".stampede/local/logs"))) {
            try (java.util.stream.Stream<Path> files = Files.list(folder)) {
                files.filter(file -> file.toString().endsWith(".log")).sorted().forEach(logs::add);
            } catch (IOException e) {
                lines.append(" | (").append(folder).append(": ").append(e.getMessage()).append(')');
            }
        }
        for (Path log : logs) {
            try (java.util.stream.Stream<String> all = Files.lines(log, StandardCharsets.UTF_8)) {
                List<String> naming = all.filter(line -> line.contains(text)).toList();
                naming.subList(Math.max(0, naming.size() - 3), naming.size())
                        .forEach(line -> lines.append(" | ").append(log.getFileName()).append(": ").append(line));
            } catch (IOException | java.io.UncheckedIOException e) {
                lines.append(" | (").append(log.getFileName()).append(": ").append(e.getMessage()).append(')');
            }
        }
        return lines.toString();
    }

    /** The sum of a node's Prometheus series {@code name} whose labels contain {@code label}. */
    static long metric(String nodeUrl, String name, String label) throws Exception {
        return metricLines(nodeUrl, name).stream().filter(line -> line.contains(label))
                .mapToLong(line -> (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    /** A node's Prometheus series {@code name} (with labels or none), a line each, as {@code /q/metrics} has them. */
    static List<String> metricLines(String nodeUrl, String name) throws Exception {
        String metrics = HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(nodeUrl + "/q/metrics"))
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        return metrics.lines().filter(line -> line.startsWith(name + "{") || line.startsWith(name + " ")).toList();
    }

    /** GETs a URL and reads the answer as JSON. */
    static com.fasterxml.jackson.databind.JsonNode getJson(String url) throws Exception {
        java.net.http.HttpResponse<String> response = HTTP.send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.body());
    }

    static List<ProcessHandle> localClusterProcesses(Path directory) {
        String marker = "-Dstampede-local-cluster=" + directory.resolve(".stampede/local").toAbsolutePath().normalize();
        return ProcessHandle.allProcesses()
                .filter(ProcessHandle::isAlive)
                .filter(process -> process.info().arguments().map(List::of).orElse(List.of()).contains(marker))
                .toList();
    }

    private static Result run(Path directory, List<String> command, Map<String, String> environment,
            Duration timeout) {
        try {
            Path out = Files.createTempFile(directory, "out", ".txt");
            Path err = Files.createTempFile(directory, "err", ".txt");
            ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            environment.forEach((name, value) -> {
                if (value == null) {
                    builder.environment().remove(name);
                } else {
                    builder.environment().put(name, value);
                }
            });
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                Processes.stop(process.toHandle(), Duration.ofSeconds(5));
                throw new AssertionError("timed out after " + timeout + ": " + command + "\n"
                        + Files.readString(out, StandardCharsets.UTF_8) + Files.readString(err, StandardCharsets.UTF_8));
            }
            return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError("could not run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + command, e);
        }
    }
}
