package io.stampede.model.job;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import org.yaml.snakeyaml.LoaderOptions;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import io.stampede.model.DatacenterName;
import io.stampede.model.job.StepSpec.Body;
import io.stampede.model.job.StepSpec.Check;
import io.stampede.model.job.StepSpec.Extract;
import io.stampede.model.job.WorkflowSpec.HttpOptions;
import io.stampede.model.job.WorkflowSpec.HttpVersion;
import io.stampede.model.job.WorkflowSpec.LoadModel;
import io.stampede.model.job.WorkflowSpec.Stage;

/**
 * Reads a job written in YAML or JSON (docs/job-spec.md) and checks every rule, reporting all
 * problems at once, each with its path. Pure: it never touches the network or files.
 */
public final class JobSpecParser {

    /** Limits, documented in docs/job-spec.md. */
    public static final int MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;
    public static final int MAX_WORKFLOWS = 100;
    public static final int MAX_STEPS = 100;
    public static final int MAX_VARIABLES = 1_000;
    public static final int MAX_CHECKS = 50;
    public static final int MAX_EXTRACTS = 50;
    public static final int MAX_HEADERS = 100;
    public static final int MAX_BODY_BYTES = 1024 * 1024;
    public static final int MAX_VUS = 1_000_000;
    public static final double MAX_RATE = 1_000_000;
    public static final long MAX_ITERATIONS = 1_000_000_000L;
    public static final int MAX_DATACENTERS = 100;
    public static final int MAX_CONNECTIONS = 10_000;
    public static final Duration MAX_DURATION = Duration.ofHours(24);
    public static final Duration MAX_JOB_TIMEOUT = Duration.ofHours(48);
    /** The largest job document a gate accepts, in bytes (4 MiB); a larger one is refused with 413. */
    public static final int MAX_JOB_BYTES = 4 * 1024 * 1024;
    public static final Duration MAX_REQUEST_TIMEOUT = Duration.ofMinutes(10);
    public static final Duration MAX_THINK = Duration.ofHours(1);
    public static final int MAX_THRESHOLDS = 100;
    /** maxVus when an open-model workflow does not say. */
    public static final int DEFAULT_MAX_VUS = 1_000;

    static final Pattern WORKFLOW_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    static final Pattern VARIABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");
    static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS");

    private static final ObjectMapper YAML = YAMLMapper.builder(new WholeDocumentYamlFactory(loaderOptions()))
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();

    private final List<Problem> problems = new ArrayList<>();
    private final Map<String, String> jobVariables = new LinkedHashMap<>();

    private JobSpecParser() {
    }

    /** The factory jobs are read with (a test checks it is the linear one). */
    static JsonFactory yamlFactory() {
        return YAML.getFactory();
    }

    /** SnakeYAML stops at 3 MiB by default; a job may be {@link #MAX_JOB_BYTES}, escaped a little longer. */
    private static LoaderOptions loaderOptions() {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(2 * MAX_JOB_BYTES);
        return options;
    }

    /** The outcome of reading a job: the job when there were no problems. */
    public record Result(Optional<JobSpec> job, List<Problem> problems) {
        public Result {
            problems = List.copyOf(problems);
        }

        /** The job, or an exception listing every problem. */
        public JobSpec orThrow() {
            return job.orElseThrow(() -> new InvalidJobException(problems));
        }
    }

    /** Reads a job; JSON when the text starts with '{', YAML otherwise. */
    public static Result read(String text) {
        return new JobSpecParser().readDocument(text);
    }

    /**
     * Reads a job and fails with every problem.
     *
     * @throws InvalidJobException listing every problem
     */
    public static JobSpec parse(String text) {
        return read(text).orThrow();
    }

    /**
     * The part of a valid job that each workflow needs, as a job of its own (JSON), by workflow
     * name: the job's name and variables, the variables the workflow's dependencies export
     * (declared empty: the dispatch carries their values), and the workflow without its
     * dependencies. A worker reads one like any job, so a dispatch carries one workflow, not the
     * whole job again. The job is read once for all its workflows and not validated again: pass
     * only a job {@link #parse} accepted.
     */
    public static Map<String, String> workflowDocuments(String text) {
        JsonNode root;
        try {
            root = (text.stripLeading().startsWith("{") ? JSON : YAML).readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a job: " + oneLine(e.getOriginalMessage()), e);
        }
        Map<String, JsonNode> byName = new LinkedHashMap<>();
        root.path("workflows").forEach(item -> byName.put(item.path("name").asText(), item));
        Map<String, String> documents = new LinkedHashMap<>();
        byName.forEach((name, item) -> {
            ObjectNode variables = root.get("variables") instanceof ObjectNode declared ? declared.deepCopy()
                    : JSON.createObjectNode();
            for (String dependency : textList(item.has("dependsOn") ? item.get("dependsOn") : item.path("depends_on"))) {
                for (String exported : textList(byName.getOrDefault(dependency, JSON.missingNode()).path("exports"))) {
                    if (!variables.has(exported)) {
                        variables.put(exported, "");
                    }
                }
            }
            ObjectNode alone = ((ObjectNode) item).deepCopy();
            alone.remove(List.of("dependsOn", "depends_on"));
            ObjectNode document = JSON.createObjectNode();
            document.set("name", root.get("name"));
            document.set("variables", variables);
            document.putArray("workflows").add(alone);
            try {
                documents.put(name, JSON.writeValueAsString(document));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        });
        return documents;
    }

    private Result readDocument(String text) {
        if (text.getBytes(StandardCharsets.UTF_8).length > MAX_DOCUMENT_BYTES) {
            problem("", "the document is larger than " + MAX_DOCUMENT_BYTES / (1024 * 1024) + " MiB");
            return new Result(Optional.empty(), problems);
        }
        JsonNode root;
        try {
            boolean json = text.stripLeading().startsWith("{");
            root = (json ? JSON : YAML).readTree(text);
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
            String where = line < 0 ? "" : "line " + line + ", column " + e.getLocation().getColumnNr() + ": ";
            String message = ourWords(oneLine(e.getOriginalMessage()));
            if (unquotedTemplate(text, line)) {
                problem("", where + "a {{…}} template must be quoted in YAML (it would start a mapping),"
                        + " e.g. url: \"{{base}}/login\"");
            } else {
                problem("", where + (e instanceof JsonParseException && message.startsWith("Duplicate")
                        ? message : "not valid YAML or JSON: " + message));
            }
            return new Result(Optional.empty(), problems);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            problem("", "the document is empty");
            return new Result(Optional.empty(), problems);
        }
        JobSpec job = job(root);
        return new Result(problems.isEmpty() ? Optional.of(job) : Optional.empty(), problems);
    }

    // ---------------------------------------------------------------- job

    private JobSpec job(JsonNode root) {
        Fields fields = fields(root, "", "name", "datacenters", "minDatacenters", "timeout", "variables", "workflows",
                "placement", "prefer", "thresholds");
        if (fields == null) {
            return null;
        }
        String name = fields.requiredText("name", 200);
        JobSpec.Datacenters datacenters = datacenters(fields);
        Optional<Integer> minDatacenters = fields.integer("minDatacenters", 1, MAX_DATACENTERS);
        if (minDatacenters.isPresent()) {
            int at = minDatacenters.get();
            if (datacenters instanceof JobSpec.Count count && at > count.count()) {
                problem(fields.path("minDatacenters"), "is " + at + ", more than the " + count.count()
                        + " datacenters the job runs in");
            } else if (datacenters instanceof JobSpec.Named named && at > named.names().size()) {
                problem(fields.path("minDatacenters"), "is " + at + ", more than the " + named.names().size()
                        + " datacenters the job names");
            }
        }
        Optional<Duration> timeout = fields.duration("timeout", MAX_JOB_TIMEOUT);
        variables(fields);
        List<WorkflowSpec> workflows = new ArrayList<>();
        JsonNode list = fields.get("workflows");
        String listPath = fields.path("workflows");
        if (list == null) {
            problem(listPath, "required: at least one workflow");
        } else if (!list.isArray()) {
            problem(listPath, "must be a list of workflows");
        } else if (list.isEmpty()) {
            problem(listPath, "must have at least one workflow");
        } else if (list.size() > MAX_WORKFLOWS) {
            problem(listPath, "has " + list.size() + " workflows; at most " + MAX_WORKFLOWS + " are allowed");
        } else {
            List<JsonNode> items = new ArrayList<>();
            list.forEach(items::add);
            // Names first, so dependencies and exports can be checked against every workflow.
            Map<String, Integer> names = workflowNames(items, listPath);
            Map<String, Set<String>> extractedBy = new HashMap<>();
            Map<String, List<String>> declaredDependencies = new LinkedHashMap<>();
            Map<String, List<String>> declaredExports = new HashMap<>();
            for (int i = 0; i < items.size(); i++) {
                JsonNode item = items.get(i);
                String name0 = item.path("name").asText("");
                declaredDependencies.put(name0, textList(item.has("dependsOn") ? item.get("dependsOn")
                        : item.path("depends_on")));
                declaredExports.put(name0, textList(item.path("exports")));
            }
            for (int i = 0; i < items.size(); i++) {
                WorkflowSpec workflow = workflow(items.get(i), listPath + "[" + i + "]", names, declaredDependencies,
                        declaredExports, extractedBy);
                if (workflow != null) {
                    workflows.add(workflow);
                }
            }
            cycles(items, listPath, declaredDependencies, names);
        }
        List<Threshold> thresholds = thresholds(fields, workflows);
        fields.finish();
        return new JobSpec(name, datacenters, minDatacenters, timeout, jobVariables, workflows, placement(fields),
                thresholds);
    }

    /** The valid, distinct datacenter names of a list; a problem for each item that is not one. */
    private List<String> datacenterNames(JsonNode node, String path) {
        List<String> names = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < node.size(); i++) {
            String itemPath = path + "[" + i + "]";
            if (!node.get(i).isTextual()) {
                problem(itemPath, "must be a datacenter name");
                continue;
            }
            String name = node.get(i).asText();
            DatacenterName.problem(name).ifPresent(problem -> problem(itemPath, problem));
            if (!seen.add(name)) {
                problem(itemPath, "'" + name + "' is listed twice");
            }
            names.add(name);
        }
        return names;
    }

    private JobSpec.Placement placement(Fields fields) {
        JobSpec.Strategy strategy = JobSpec.Strategy.LATENCY;
        String written = fields.optionalText("placement", 20);
        if (written != null) {
            Optional<JobSpec.Strategy> named = java.util.Arrays.stream(JobSpec.Strategy.values())
                    .filter(known -> known.name().toLowerCase(java.util.Locale.ROOT).equals(written)).findFirst();
            if (named.isPresent()) {
                strategy = named.get();
            } else {
                problem(fields.path("placement"), "must be latency, capacity or spread, got '" + written + "'");
            }
        }
        List<String> prefer = new ArrayList<>();
        JsonNode node = fields.get("prefer");
        if (node != null) {
            String path = fields.path("prefer");
            if (!node.isArray()) {
                problem(path, "must be a list of datacenter names");
            } else {
                prefer.addAll(datacenterNames(node, path));
            }
        }
        return new JobSpec.Placement(strategy, prefer);
    }

    // ---------------------------------------------------------------- thresholds

    private List<Threshold> thresholds(Fields job, List<WorkflowSpec> workflows) {
        List<Threshold> thresholds = new ArrayList<>();
        JsonNode list = job.get("thresholds");
        String listPath = job.path("thresholds");
        if (list == null) {
            return thresholds;
        }
        if (!list.isArray()) {
            problem(listPath, "must be a list of thresholds such as {metric: p99, below: 300ms}");
            return thresholds;
        }
        if (list.size() > MAX_THRESHOLDS) {
            problem(listPath, "has " + list.size() + " thresholds; at most " + MAX_THRESHOLDS + " are allowed");
            return thresholds;
        }
        for (int i = 0; i < list.size(); i++) {
            threshold(list.get(i), listPath + "[" + i + "]", workflows).ifPresent(thresholds::add);
        }
        return thresholds;
    }

    private Optional<Threshold> threshold(JsonNode node, String path, List<WorkflowSpec> workflows) {
        Fields fields = fields(node, path, "metric", "below", "above", "workflow", "step", "abortOnFail", "delay");
        if (fields == null) {
            return Optional.empty();
        }
        String metricName = fields.requiredText("metric", 40);
        Optional<Threshold.Metric> metric = Optional.empty();
        if (metricName != null) {
            metric = Threshold.Metric.named(metricName);
            if (metric.isEmpty()) {
                List<String> names = java.util.Arrays.stream(Threshold.Metric.values()).map(Threshold.Metric::written)
                        .toList();
                problem(fields.path("metric"), "'" + metricName + "' is not a metric; one of "
                        + String.join(", ", names) + Suggestions.hint(metricName, names));
            }
        }
        String workflowName = fields.optionalText("workflow", 64);
        String stepName = fields.optionalText("step", 200);
        Optional<WorkflowSpec> workflow = Optional.empty();
        if (workflowName != null) {
            workflow = workflows.stream().filter(candidate -> candidate.name().equals(workflowName)).findFirst();
            if (workflow.isEmpty()) {
                List<String> names = workflows.stream().map(WorkflowSpec::name).toList();
                problem(fields.path("workflow"), "the job has no workflow '" + workflowName + "'"
                        + Suggestions.hint(workflowName, names));
            }
        }
        if (stepName != null) {
            if (workflowName == null) {
                problem(fields.path("step"), "a step is named within a workflow: add workflow");
            } else if (workflow.isPresent()
                    && workflow.get().steps().stream().noneMatch(step -> step.name().equals(stepName))) {
                List<String> names = workflow.get().steps().stream().map(StepSpec::name).toList();
                problem(fields.path("step"), "workflow '" + workflowName + "' has no step '" + stepName + "'"
                        + Suggestions.hint(stepName, names));
            }
        }
        if (stepName != null && metric.orElse(null) == Threshold.Metric.DROPPED_ITERATIONS) {
            problem(fields.path("step"), "droppedIterations counts a workflow's iterations, not a step's: leave step out");
        }
        boolean below = fields.has("below");
        if (below == fields.has("above")) {
            problem(path, below ? "has both below and above: a threshold takes one"
                    : "needs below or above, e.g. {metric: p99, below: 300ms}");
        }
        String boundKey = below ? "below" : "above";
        Optional<Double> limit = metric.isEmpty() || !fields.has(boundKey) ? Optional.empty()
                : limit(fields.get(boundKey), fields.path(boundKey), metric.get(), below);
        boolean abortOnFail = fields.bool("abortOnFail").orElse(false);
        Optional<Duration> delay = fields.duration("delay", MAX_DURATION);
        if (delay.isPresent() && !abortOnFail) {
            problem(fields.path("delay"), "delays abortOnFail: it needs abortOnFail: true");
        }
        fields.finish();
        if (metric.isEmpty() || limit.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Threshold(Optional.ofNullable(workflowName), Optional.ofNullable(stepName), metric.get(),
                below ? Threshold.Bound.BELOW : Threshold.Bound.ABOVE, limit.get(), abortOnFail,
                delay.orElse(Duration.ZERO), Threshold.Origin.JOB));
    }

    /** A threshold's limit in its metric's unit: a duration or milliseconds, a percentage or fraction, a number. */
    private Optional<Double> limit(JsonNode value, String path, Threshold.Metric metric, boolean below) {
        String text = value.asText().trim();
        double limit;
        switch (metric.unit()) {
            case MILLISECONDS -> {
                if (value.isNumber()) {
                    limit = value.asDouble();
                } else {
                    try {
                        limit = Durations.parse(text).toNanos() / 1e6;
                    } catch (IllegalArgumentException e) {
                        problem(path, e.getMessage());
                        return Optional.empty();
                    }
                }
            }
            case FRACTION -> {
                if (value.isNumber() && value.asDouble() >= 0 && value.asDouble() <= 1) {
                    limit = value.asDouble();
                } else if (value.isTextual() && text.matches("\\d+(\\.\\d+)?%")) {
                    limit = Double.parseDouble(text.substring(0, text.length() - 1)) / 100;
                } else {
                    problem(path, "must be a percentage such as '1%' or a fraction from 0 to 1, got '" + text + "'");
                    return Optional.empty();
                }
                if (limit > 1) {
                    problem(path, "is more than 100%");
                    return Optional.empty();
                }
            }
            case PER_SECOND -> {
                String number = text.endsWith("/s") ? text.substring(0, text.length() - 2) : text;
                if (!value.isNumber() && !number.matches("\\d+(\\.\\d+)?")) {
                    problem(path, "must be requests a second such as 100 or '100/s', got '" + text + "'");
                    return Optional.empty();
                }
                limit = Double.parseDouble(number);
            }
            default -> {
                if (!value.isIntegralNumber()) {
                    problem(path, "must be a whole number, got '" + text + "'");
                    return Optional.empty();
                }
                limit = value.asLong();
            }
        }
        if (!Double.isFinite(limit) || limit < 0) {
            problem(path, "must be 0 or more, got '" + text + "'");
            return Optional.empty();
        }
        if (below && limit == 0) {
            problem(path, "nothing is below 0" + (metric.unit() == Threshold.Unit.COUNT ? "; to allow none, write below: 1"
                    : metric.unit() == Threshold.Unit.FRACTION ? "; to allow none, write below: 0.0001%" : ""));
            return Optional.empty();
        }
        return Optional.of(limit);
    }

    private JobSpec.Datacenters datacenters(Fields fields) {
        JsonNode node = fields.get("datacenters");
        String path = fields.path("datacenters");
        if (node == null) {
            return new JobSpec.AllHealthy();
        }
        if (node.isTextual() && node.asText().equals("all")) {
            return new JobSpec.AllHealthy();
        }
        if (node.isIntegralNumber()) {
            int count = node.asInt();
            if (count < 1 || count > MAX_DATACENTERS) {
                problem(path, "a count of datacenters must be between 1 and " + MAX_DATACENTERS + ", got " + count);
            }
            return new JobSpec.Count(count);
        }
        if (node.isArray()) {
            List<String> names = datacenterNames(node, path);
            if (names.isEmpty() && node.isEmpty()) {
                problem(path, "an empty list names no datacenter; leave it out to use every healthy one");
            }
            return new JobSpec.Named(names);
        }
        problem(path, "must be a count, a list of datacenter names, or 'all'");
        return new JobSpec.AllHealthy();
    }

    private void variables(Fields fields) {
        JsonNode node = fields.get("variables");
        String path = fields.path("variables");
        if (node == null) {
            return;
        }
        if (!node.isObject()) {
            problem(path, "must be a mapping of names to values");
            return;
        }
        if (node.size() > MAX_VARIABLES) {
            problem(path, "has " + node.size() + " variables; at most " + MAX_VARIABLES + " are allowed");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String name = entry.getKey();
            String entryPath = path + "." + name;
            if (!VARIABLE_NAME.matcher(name).matches()) {
                problem(entryPath, "'" + name + "' is not a variable name (letters, digits and underscores,"
                        + " not starting with a digit)");
            } else if (Template.BUILT_INS.contains(name) || Template.FUNCTIONS.contains(name)) {
                problem(entryPath, "'" + name + "' is a built-in and cannot be redefined");
            }
            JsonNode value = entry.getValue();
            if (!value.isValueNode() || value.isNull()) {
                problem(entryPath, "must be a text, number or true/false");
                continue;
            }
            jobVariables.put(name, value.asText());
        }
    }

    private Map<String, Integer> workflowNames(List<JsonNode> items, String listPath) {
        Map<String, Integer> names = new LinkedHashMap<>();
        for (int i = 0; i < items.size(); i++) {
            JsonNode name = items.get(i).path("name");
            if (name.isTextual() && WORKFLOW_NAME.matcher(name.asText()).matches()) {
                Integer previous = names.putIfAbsent(name.asText(), i);
                if (previous != null) {
                    problem(listPath + "[" + i + "].name", "'" + name.asText() + "' is also the name of "
                            + listPath + "[" + previous + "]");
                }
            }
        }
        return names;
    }

    private void cycles(List<JsonNode> items, String listPath, Map<String, List<String>> dependencies,
            Map<String, Integer> names) {
        Map<String, List<String>> known = new LinkedHashMap<>();
        dependencies.forEach((name, targets) -> {
            if (names.containsKey(name)) {
                // Self-dependencies are reported on their own; here they would be a second report.
                known.put(name, targets.stream().filter(names::containsKey).filter(t -> !t.equals(name)).toList());
            }
        });
        DependencyOrder.findCycle(known).ifPresent(cycle -> {
            int index = names.get(cycle.get(0));
            String key = items.get(index).has("dependsOn") ? "dependsOn" : "depends_on";
            problem(listPath + "[" + index + "]." + key, "cycle " + String.join(" -> ", cycle));
        });
    }

    // ---------------------------------------------------------------- workflow

    private WorkflowSpec workflow(JsonNode node, String path, Map<String, Integer> names,
            Map<String, List<String>> dependencies, Map<String, List<String>> exports,
            Map<String, Set<String>> extractedBy) {
        Fields fields = fields(node, path, "name", "vus", "duration", "iterations", "rate", "stages", "maxVus",
                "dependsOn", "depends_on", "exports", "http", "gracefulStop", "steps");
        if (fields == null) {
            return null;
        }
        String name = fields.requiredText("name", 64);
        if (name != null && !WORKFLOW_NAME.matcher(name).matches()) {
            problem(fields.path("name"), "'" + name + "' is not a workflow name: up to 64 letters, digits, '_', '.'"
                    + " and '-', starting with a letter or digit");
        }
        LoadModel load = load(fields, path);
        List<String> dependsOn = dependsOn(fields, name, names);
        HttpOptions http = http(fields);
        Duration gracefulStop = fields.duration("gracefulStop", Duration.ofMinutes(10))
                .orElse(WorkflowSpec.DEFAULT_GRACEFUL_STOP);

        // Variables this workflow's templates may use before any extraction: the job's, and those
        // exported by the workflows it depends on.
        Map<String, String> inherited = new LinkedHashMap<>();
        String dependsKey = fields.has("dependsOn") ? "dependsOn" : "depends_on";
        for (String dependency : dependsOn) {
            for (String exported : exports.getOrDefault(dependency, List.of())) {
                String other = inherited.putIfAbsent(exported, dependency);
                if (other != null) {
                    problem(fields.path(dependsKey), "'" + exported + "' is exported by both " + other + " and "
                            + dependency + "; rename one");
                }
            }
        }
        Set<String> known = new LinkedHashSet<>(jobVariables.keySet());
        known.addAll(inherited.keySet());

        List<StepSpec> steps = steps(fields, known);
        Set<String> extracted = new LinkedHashSet<>();
        steps.forEach(step -> step.extract().forEach(extract -> extracted.add(extract.variable())));
        extractedBy.put(name, extracted);
        List<String> exported = exports(fields, extracted);
        fields.finish();
        if (load == null || name == null) {
            return null;
        }
        return new WorkflowSpec(name, load, dependsOn, exported, http, gracefulStop, steps);
    }

    private LoadModel load(Fields fields, String path) {
        boolean closed = fields.has("vus");
        boolean open = fields.has("rate");
        if (closed && open) {
            problem(path, "choose one load model: vus (closed) or rate (open), not both");
            return null;
        }
        if (!closed && !open) {
            problem(path, "needs a load model: vus with duration or iterations (closed), or rate with duration"
                    + " or stages (open)");
            return null;
        }
        if (closed) {
            for (String openOnly : List.of("stages", "maxVus")) {
                if (fields.has(openOnly)) {
                    problem(fields.path(openOnly), "belongs to the open model (rate); a closed model has vus");
                    fields.get(openOnly);
                }
            }
            Optional<Integer> vus = fields.integer("vus", 1, MAX_VUS);
            Optional<Duration> duration = fields.duration("duration", MAX_DURATION);
            Optional<Long> iterations = fields.longInteger("iterations", 1, MAX_ITERATIONS);
            if (duration.isEmpty() && iterations.isEmpty() && !fields.has("duration") && !fields.has("iterations")) {
                problem(path, "a closed model needs duration, iterations or both");
            }
            return vus.map(count -> new WorkflowSpec.Closed(count, duration, iterations)).orElse(null);
        }
        if (fields.has("iterations")) {
            problem(fields.path("iterations"), "belongs to the closed model (vus); an open model runs for a duration");
            fields.get("iterations");
        }
        boolean hasDuration = fields.has("duration");
        boolean hasStages = fields.has("stages");
        // A ramp may start from nothing; a constant rate of 0 would run nothing.
        Optional<Double> rate = fields.number("rate", 0, MAX_RATE, hasStages && !hasDuration);
        int maxVus = fields.integer("maxVus", 1, MAX_VUS).orElse(DEFAULT_MAX_VUS);
        if (hasDuration == hasStages) {
            problem(path, hasDuration ? "give either duration (a constant rate) or stages (ramps), not both"
                    : "an open model needs duration (a constant rate) or stages (ramps)");
            fields.get("duration");
            fields.get("stages");
            return null;
        }
        List<Stage> stages = new ArrayList<>();
        if (hasDuration) {
            Optional<Duration> duration = fields.duration("duration", MAX_DURATION);
            if (duration.isPresent() && rate.isPresent()) {
                stages.add(new Stage(duration.get(), rate.get()));
            }
        } else {
            stages = stages(fields);
        }
        if (rate.isEmpty() || (hasDuration && stages.isEmpty())) {
            return null;
        }
        if (rate.get() == 0 && !stages.isEmpty() && stages.stream().allMatch(stage -> stage.target() == 0)) {
            problem(fields.path("stages"), "the rate never rises above 0, so no iteration would ever start");
            return null;
        }
        return new WorkflowSpec.Open(rate.get(), stages, maxVus);
    }

    private List<Stage> stages(Fields fields) {
        JsonNode node = fields.get("stages");
        String path = fields.path("stages");
        List<Stage> stages = new ArrayList<>();
        if (!node.isArray() || node.isEmpty()) {
            problem(path, "must be a list of {duration, target}");
            return stages;
        }
        Duration total = Duration.ZERO;
        for (int i = 0; i < node.size(); i++) {
            Fields stage = fields(node.get(i), path + "[" + i + "]", "duration", "target");
            if (stage == null) {
                continue;
            }
            Optional<Duration> duration = stage.duration("duration", MAX_DURATION);
            Optional<Double> target = stage.number("target", 0, MAX_RATE, true);
            if (!stage.has("duration")) {
                problem(stage.path("duration"), "required");
            }
            if (!stage.has("target")) {
                problem(stage.path("target"), "required");
            }
            stage.finish();
            if (duration.isPresent() && target.isPresent()) {
                stages.add(new Stage(duration.get(), target.get()));
                total = total.plus(duration.get());
            }
        }
        if (total.compareTo(MAX_DURATION) > 0) {
            problem(path, "add up to " + Durations.format(total) + "; at most " + Durations.format(MAX_DURATION));
        }
        return stages;
    }

    private List<String> dependsOn(Fields fields, String self, Map<String, Integer> names) {
        String key = fields.has("dependsOn") ? "dependsOn" : "depends_on";
        if (fields.has("dependsOn") && fields.has("depends_on")) {
            problem(fields.path("depends_on"), "write dependsOn or depends_on, not both");
            fields.get("depends_on");
        }
        JsonNode node = fields.get(key);
        String path = fields.path(key);
        List<String> dependsOn = new ArrayList<>();
        if (node == null) {
            return dependsOn;
        }
        List<JsonNode> items = new ArrayList<>();
        if (node.isTextual()) {
            items.add(node);
        } else if (node.isArray()) {
            node.forEach(items::add);
        } else {
            problem(path, "must be a workflow name or a list of them");
            return dependsOn;
        }
        for (int i = 0; i < items.size(); i++) {
            String itemPath = node.isArray() ? path + "[" + i + "]" : path;
            JsonNode item = items.get(i);
            if (!item.isTextual()) {
                problem(itemPath, "must be a workflow name");
                continue;
            }
            String target = item.asText();
            if (target.equals(self)) {
                problem(itemPath, "a workflow cannot depend on itself");
            } else if (!names.containsKey(target)) {
                problem(itemPath, "no workflow is named '" + target + "'" + Suggestions.hint(target, names.keySet()));
            } else if (dependsOn.contains(target)) {
                problem(itemPath, "'" + target + "' is listed twice");
            } else {
                dependsOn.add(target);
            }
        }
        return dependsOn;
    }

    private List<String> exports(Fields fields, Set<String> extracted) {
        JsonNode node = fields.get("exports");
        String path = fields.path("exports");
        List<String> exports = new ArrayList<>();
        if (node == null) {
            return exports;
        }
        if (!node.isArray()) {
            problem(path, "must be a list of variable names");
            return exports;
        }
        for (int i = 0; i < node.size(); i++) {
            String name = node.get(i).asText("");
            if (!extracted.contains(name)) {
                problem(path + "[" + i + "]", "'" + name + "' is not extracted by any step of this workflow"
                        + Suggestions.hint(name, extracted));
            } else if (!exports.contains(name)) {
                exports.add(name);
            }
        }
        return exports;
    }

    private HttpOptions http(Fields workflow) {
        JsonNode node = workflow.get("http");
        if (node == null) {
            return HttpOptions.DEFAULT;
        }
        Fields fields = fields(node, workflow.path("http"), "version", "insecureTls", "connections");
        if (fields == null) {
            return HttpOptions.DEFAULT;
        }
        HttpVersion version = HttpVersion.HTTP_1_1;
        JsonNode versionNode = fields.get("version");
        if (versionNode != null) {
            switch (versionNode.asText()) {
                case "1.1" -> version = HttpVersion.HTTP_1_1;
                case "2", "2.0" -> version = HttpVersion.HTTP_2;
                default -> problem(fields.path("version"), "must be 1.1 or 2, got '" + versionNode.asText() + "'");
            }
        }
        boolean insecure = fields.bool("insecureTls").orElse(false);
        Optional<Integer> connections = fields.integer("connections", 1, MAX_CONNECTIONS);
        fields.finish();
        return new HttpOptions(version, insecure, connections);
    }

    // ---------------------------------------------------------------- steps

    private List<StepSpec> steps(Fields workflow, Set<String> known) {
        JsonNode node = workflow.get("steps");
        String path = workflow.path("steps");
        List<StepSpec> steps = new ArrayList<>();
        if (node == null) {
            problem(path, "required: at least one step");
            return steps;
        }
        if (!node.isArray() || node.isEmpty()) {
            problem(path, "must be a list of at least one step");
            return steps;
        }
        if (node.size() > MAX_STEPS) {
            problem(path, "has " + node.size() + " steps; at most " + MAX_STEPS + " are allowed");
            return steps;
        }
        Set<String> available = new LinkedHashSet<>(known);
        Map<String, Integer> stepNames = new HashMap<>();
        for (int i = 0; i < node.size(); i++) {
            String stepPath = path + "[" + i + "]";
            StepSpec step = step(node.get(i), stepPath, available);
            if (step == null) {
                continue;
            }
            Integer previous = stepNames.putIfAbsent(step.name(), i);
            if (previous != null) {
                problem(stepPath + ".name", "'" + step.name() + "' is also the name of " + path + "[" + previous + "]");
            }
            step.extract().forEach(extract -> available.add(extract.variable()));
            steps.add(step);
        }
        return steps;
    }

    private StepSpec step(JsonNode node, String path, Set<String> available) {
        Fields fields = fields(node, path, "name", "request", "checks", "extract", "think");
        if (fields == null) {
            return null;
        }
        String name = fields.requiredText("name", 100);
        StepSpec.RequestSpec request = request(fields, available);
        List<Check> checks = checks(fields);
        List<Extract> extracts = extracts(fields);
        Optional<StepSpec.ThinkTime> think = think(fields);
        fields.finish();
        if (name == null || request == null) {
            return null;
        }
        return new StepSpec(name, request, checks, extracts, think);
    }

    private StepSpec.RequestSpec request(Fields step, Set<String> available) {
        JsonNode node = step.get("request");
        if (node == null) {
            problem(step.path("request"), "required: what to send (at least a url)");
            return null;
        }
        Fields fields = fields(node, step.path("request"), "method", "url", "headers", "query", "body", "timeout",
                "redirects");
        if (fields == null) {
            return null;
        }
        String method = "GET";
        JsonNode methodNode = fields.get("method");
        if (methodNode != null) {
            method = methodNode.asText("").toUpperCase(Locale.ROOT);
            if (!METHODS.contains(method)) {
                problem(fields.path("method"), "'" + methodNode.asText() + "' is not one of "
                        + String.join(", ", new TreeSet<>(METHODS)));
            }
        }
        Template url = null;
        String urlText = fields.requiredText("url", 8192);
        if (urlText != null) {
            url = template(fields.path("url"), urlText, available);
            if (url != null) {
                checkUrl(fields.path("url"), url);
            }
        }
        Map<String, Template> headers = templateMap(fields, "headers", available, MAX_HEADERS);
        Map<String, Template> query = templateMap(fields, "query", available, MAX_HEADERS);
        Optional<Body> body = body(fields, available);
        Duration timeout = fields.duration("timeout", MAX_REQUEST_TIMEOUT).orElse(StepSpec.RequestSpec.DEFAULT_TIMEOUT);
        boolean follow = true;
        JsonNode redirects = fields.get("redirects");
        if (redirects != null) {
            switch (redirects.asText()) {
                case "follow" -> follow = true;
                case "none" -> follow = false;
                default -> problem(fields.path("redirects"), "must be follow or none, got '" + redirects.asText() + "'");
            }
        }
        fields.finish();
        if (url == null) {
            return null;
        }
        return new StepSpec.RequestSpec(method, url, headers, query, body, timeout, follow);
    }

    /**
     * A URL must be absolute http(s). Where it starts with job variables or literal text, that
     * start is checked now; a URL made entirely of run-time values is checked when sent.
     */
    private void checkUrl(String path, Template url) {
        for (Template.Part part : url.parts()) {
            // Wherever it stands, written text that can never be sent is an error now, not at run time.
            if (part instanceof Template.Literal literal && literal.text().codePoints()
                    .anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
                problem(path, "'" + url.source() + "' has a space or a control character; encode it (a space is %20)");
                return;
            }
        }
        StringBuilder known = new StringBuilder();
        boolean complete = true;
        for (Template.Part part : url.parts()) {
            if (part instanceof Template.Literal literal) {
                known.append(literal.text());
            } else if (part instanceof Template.Variable variable && jobVariables.containsKey(variable.name())) {
                known.append(jobVariables.get(variable.name()));
            } else {
                complete = false;
                break;
            }
        }
        String start = known.toString();
        if (start.isEmpty()) {
            return;
        }
        String lower = start.toLowerCase(Locale.ROOT);
        boolean schemeKnown = lower.length() >= "https://".length() || lower.contains("://");
        if (schemeKnown && !lower.startsWith("http://") && !lower.startsWith("https://")) {
            problem(path, "'" + url.source() + "' is not an absolute http(s) URL");
            return;
        }
        if (!schemeKnown && !"https://".startsWith(lower) && !"http://".startsWith(lower)) {
            problem(path, "'" + url.source() + "' is not an absolute http(s) URL");
            return;
        }
        if (complete) {
            try {
                URI uri = new URI(start);
                if (uri.getHost() == null) {
                    problem(path, "'" + url.source() + "' has no host");
                }
            } catch (URISyntaxException e) {
                problem(path, "'" + url.source() + "' is not a valid URL: " + e.getReason());
            }
        }
    }

    private Map<String, Template> templateMap(Fields fields, String key, Set<String> available, int limit) {
        JsonNode node = fields.get(key);
        String path = fields.path(key);
        Map<String, Template> map = new LinkedHashMap<>();
        if (node == null) {
            return map;
        }
        if (!node.isObject()) {
            problem(path, "must be a mapping of names to values");
            return map;
        }
        if (node.size() > limit) {
            problem(path, "has " + node.size() + " entries; at most " + limit + " are allowed");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String entryPath = path + "." + entry.getKey();
            if (!entry.getValue().isValueNode() || entry.getValue().isNull()) {
                problem(entryPath, "must be a text or number");
                continue;
            }
            Template template = template(entryPath, entry.getValue().asText(), available);
            if (template != null) {
                map.put(entry.getKey(), template);
            }
        }
        return map;
    }

    private Optional<Body> body(Fields request, Set<String> available) {
        JsonNode node = request.get("body");
        if (node == null) {
            return Optional.empty();
        }
        String path = request.path("body");
        Fields fields = fields(node, path, "text", "json", "form");
        if (fields == null) {
            return Optional.empty();
        }
        int kinds = (fields.has("text") ? 1 : 0) + (fields.has("json") ? 1 : 0) + (fields.has("form") ? 1 : 0);
        if (kinds != 1) {
            problem(path, "give exactly one of text, json or form");
            fields.finish();
            return Optional.empty();
        }
        Body body = null;
        if (fields.has("text")) {
            JsonNode text = fields.get("text");
            if (!text.isValueNode()) {
                problem(fields.path("text"), "must be text");
            } else if (tooLarge(fields.path("text"), text.asText())) {
                return Optional.empty();
            } else {
                Template template = template(fields.path("text"), text.asText(), available);
                body = template == null ? null : new StepSpec.TextBody(template);
            }
        } else if (fields.has("json")) {
            String json = fields.get("json").toString();
            if (!tooLarge(fields.path("json"), json)) {
                try {
                    Template template = Template.parseJson(json);
                    checkVariables(fields.path("json"), template, available);
                    body = new StepSpec.JsonBody(template);
                } catch (IllegalArgumentException e) {
                    problem(fields.path("json"), e.getMessage());
                }
            }
        } else {
            Map<String, Template> form = templateMap(fields, "form", available, MAX_HEADERS);
            body = new StepSpec.FormBody(form);
        }
        fields.finish();
        return Optional.ofNullable(body);
    }

    private boolean tooLarge(String path, String text) {
        if (text.getBytes(StandardCharsets.UTF_8).length > MAX_BODY_BYTES) {
            problem(path, "is larger than " + MAX_BODY_BYTES / 1024 + " KiB");
            return true;
        }
        return false;
    }

    private List<Check> checks(Fields step) {
        JsonNode node = step.get("checks");
        String path = step.path("checks");
        List<Check> checks = new ArrayList<>();
        if (node == null) {
            return checks;
        }
        if (!node.isArray()) {
            problem(path, "must be a list of checks");
            return checks;
        }
        if (node.size() > MAX_CHECKS) {
            problem(path, "has " + node.size() + " checks; at most " + MAX_CHECKS + " are allowed");
            return checks;
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < node.size(); i++) {
            String checkPath = path + "[" + i + "]";
            Check check = check(node.get(i), checkPath);
            if (check != null) {
                if (!names.add(check.name())) {
                    problem(checkPath, "another check of this step is also named '" + check.name()
                            + "'; give one a name");
                }
                checks.add(check);
            }
        }
        return checks;
    }

    private Check check(JsonNode node, String path) {
        List<String> kinds = List.of("status", "header", "bodyContains", "jsonPath", "latencyUnder");
        Fields fields = fields(node, path, "name", "status", "header", "bodyContains", "jsonPath", "latencyUnder");
        if (fields == null) {
            return null;
        }
        List<String> present = kinds.stream().filter(fields::has).toList();
        if (present.size() != 1) {
            problem(path, present.isEmpty() ? "says nothing to check: use one of " + String.join(", ", kinds)
                    : "checks " + String.join(" and ", present) + " at once; write one check each");
            kinds.forEach(fields::get);
            fields.get("name");
            fields.finish();
            return null;
        }
        Optional<String> name = Optional.ofNullable(fields.optionalText("name", 100));
        Check check = switch (present.get(0)) {
            case "status" -> statusCheck(fields, name);
            case "header" -> headerCheck(fields, name);
            case "bodyContains" -> {
                JsonNode text = fields.get("bodyContains");
                if (!text.isValueNode() || text.asText().isEmpty()) {
                    problem(fields.path("bodyContains"), "must be a non-empty text");
                    yield null;
                }
                yield new StepSpec.BodyContainsCheck(name.orElse("body contains \"" + text.asText() + "\""),
                        text.asText());
            }
            case "jsonPath" -> jsonPathCheck(fields, name);
            default -> {
                Optional<Duration> under = fields.duration("latencyUnder", MAX_REQUEST_TIMEOUT);
                yield under.map(bound -> (Check) new StepSpec.LatencyCheck(
                        name.orElse("latency under " + Durations.format(bound)), bound)).orElse(null);
            }
        };
        fields.finish();
        return check;
    }

    private Check statusCheck(Fields fields, Optional<String> name) {
        JsonNode node = fields.get("status");
        String path = fields.path("status");
        List<JsonNode> values = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(values::add);
        } else {
            values.add(node);
        }
        Set<Integer> allowed = new TreeSet<>();
        for (JsonNode value : values) {
            if (!value.isIntegralNumber() || value.asInt() < 100 || value.asInt() > 599) {
                problem(path, "'" + value.asText() + "' is not an HTTP status code (100 to 599)");
                return null;
            }
            allowed.add(value.asInt());
        }
        if (allowed.isEmpty()) {
            problem(path, "must name at least one status code");
            return null;
        }
        String label = allowed.size() == 1 ? "status " + allowed.iterator().next() : "status in " + allowed;
        return new StepSpec.StatusCheck(name.orElse(label), allowed);
    }

    private Check headerCheck(Fields check, Optional<String> name) {
        Fields fields = fields(check.get("header"), check.path("header"), "name", "equals", "contains");
        if (fields == null) {
            return null;
        }
        String header = fields.requiredText("name", 200);
        Optional<String> equals = Optional.ofNullable(fields.optionalText("equals", 8192));
        Optional<String> contains = Optional.ofNullable(fields.optionalText("contains", 8192));
        if (equals.isPresent() && contains.isPresent()) {
            problem(check.path("header"), "give equals or contains, not both");
        }
        fields.finish();
        if (header == null) {
            return null;
        }
        String label = equals.map(value -> "header " + header + " = " + value)
                .or(() -> contains.map(value -> "header " + header + " contains " + value))
                .orElse("header " + header + " present");
        return new StepSpec.HeaderCheck(name.orElse(label), header, equals, contains);
    }

    private Check jsonPathCheck(Fields check, Optional<String> name) {
        JsonNode node = check.get("jsonPath");
        String path = check.path("jsonPath");
        String expression;
        Optional<JsonNode> equals = Optional.empty();
        if (node.isTextual()) {
            expression = node.asText();
        } else {
            Fields fields = fields(node, path, "path", "equals");
            if (fields == null) {
                return null;
            }
            expression = fields.requiredText("path", 1000);
            equals = Optional.ofNullable(fields.get("equals"));
            fields.finish();
            if (expression == null) {
                return null;
            }
        }
        JsonPath compiled = jsonPath(path, expression);
        if (compiled == null) {
            return null;
        }
        String label = equals.map(value -> expression + " = " + value).orElse(expression + " exists");
        return new StepSpec.JsonPathCheck(name.orElse(label), compiled, equals);
    }

    private List<Extract> extracts(Fields step) {
        JsonNode node = step.get("extract");
        String path = step.path("extract");
        List<Extract> extracts = new ArrayList<>();
        if (node == null) {
            return extracts;
        }
        if (!node.isArray()) {
            problem(path, "must be a list of {var, jsonPath | header | regex}");
            return extracts;
        }
        if (node.size() > MAX_EXTRACTS) {
            problem(path, "has " + node.size() + " entries; at most " + MAX_EXTRACTS + " are allowed");
            return extracts;
        }
        for (int i = 0; i < node.size(); i++) {
            String itemPath = path + "[" + i + "]";
            Fields fields = fields(node.get(i), itemPath, "var", "jsonPath", "header", "regex");
            if (fields == null) {
                continue;
            }
            String variable = fields.requiredText("var", 64);
            if (variable != null && !VARIABLE_NAME.matcher(variable).matches()) {
                problem(fields.path("var"), "'" + variable + "' is not a variable name (letters, digits and"
                        + " underscores, not starting with a digit)");
                variable = null;
            } else if (variable != null && (Template.BUILT_INS.contains(variable) || Template.FUNCTIONS.contains(variable))) {
                problem(fields.path("var"), "'" + variable + "' is a built-in and cannot be redefined");
                variable = null;
            }
            List<String> sources = List.of("jsonPath", "header", "regex").stream().filter(fields::has).toList();
            if (sources.size() != 1) {
                problem(itemPath, "give exactly one of jsonPath, header or regex");
                sources.forEach(fields::get);
                fields.finish();
                continue;
            }
            String source = fields.requiredText(sources.get(0), 1000);
            Extract extract = null;
            if (source != null && variable != null) {
                switch (sources.get(0)) {
                    case "jsonPath" -> {
                        JsonPath compiled = jsonPath(fields.path("jsonPath"), source);
                        extract = compiled == null ? null : new StepSpec.JsonPathExtract(variable, compiled);
                    }
                    case "header" -> extract = new StepSpec.HeaderExtract(variable, source);
                    default -> {
                        try {
                            extract = new StepSpec.RegexExtract(variable, Pattern.compile(source));
                        } catch (PatternSyntaxException e) {
                            problem(fields.path("regex"), "not a valid regular expression: " + e.getDescription());
                        }
                    }
                }
            }
            fields.finish();
            if (extract != null) {
                extracts.add(extract);
            }
        }
        return extracts;
    }

    private Optional<StepSpec.ThinkTime> think(Fields step) {
        JsonNode node = step.get("think");
        String path = step.path("think");
        if (node == null) {
            return Optional.empty();
        }
        if (node.isTextual() || node.isNumber()) {
            return step.duration("think", MAX_THINK).map(fixed -> new StepSpec.ThinkTime(fixed, fixed));
        }
        Fields fields = fields(node, path, "min", "max");
        if (fields == null) {
            return Optional.empty();
        }
        Optional<Duration> min = fields.duration("min", MAX_THINK);
        Optional<Duration> max = fields.duration("max", MAX_THINK);
        if (!fields.has("min") || !fields.has("max")) {
            problem(path, "a random think time needs both min and max");
        }
        fields.finish();
        if (min.isPresent() && max.isPresent()) {
            if (min.get().compareTo(max.get()) > 0) {
                problem(path, "min " + Durations.format(min.get()) + " is above max " + Durations.format(max.get()));
                return Optional.empty();
            }
            return Optional.of(new StepSpec.ThinkTime(min.get(), max.get()));
        }
        return Optional.empty();
    }

    // ---------------------------------------------------------------- values

    private Template template(String path, String text, Set<String> available) {
        try {
            Template template = Template.parse(text);
            checkVariables(path, template, available);
            return template;
        } catch (IllegalArgumentException e) {
            problem(path, e.getMessage());
            return null;
        }
    }

    private void checkVariables(String path, Template template, Set<String> available) {
        for (String variable : template.variables()) {
            if (!available.contains(variable)) {
                Set<String> candidates = new LinkedHashSet<>(available);
                candidates.addAll(Template.BUILT_INS);
                problem(path, "unknown variable '" + variable + "'" + Suggestions.hint(variable, candidates));
            }
        }
    }

    private JsonPath jsonPath(String path, String expression) {
        try {
            return JsonPath.compile(expression);
        } catch (IllegalArgumentException e) {
            problem(path, "not a JSONPath: " + e.getMessage());
            return null;
        }
    }

    /**
     * The YAML library's messages quote the source under a caret over several indented lines; the
     * location is already in our prefix, so only the unindented sentences are kept.
     */
    private static String oneLine(String message) {
        return String.join("; ", message.lines().filter(line -> !line.isBlank() && !Character.isWhitespace(line.charAt(0)))
                .toList());
    }

    /** Whether line {@code line} (from 1) of the text holds a {@code {{} that no quote opens before. */
    private static boolean unquotedTemplate(String text, int line) {
        List<String> lines = text.lines().toList();
        if (line < 1 || line > lines.size()) {
            return false;
        }
        String written = lines.get(line - 1);
        int template = written.indexOf("{{");
        if (template < 0) {
            return false;
        }
        String before = written.substring(0, template);
        return before.chars().filter(c -> c == '"').count() % 2 == 0 && before.chars().filter(c -> c == '\'').count() % 2 == 0;
    }

    /** The YAML library's messages name its own classes; say what they mean instead. */
    private static String ourWords(String message) {
        return message.replaceAll("<org\\.yaml\\.snakeyaml\\.events\\.MappingStartEvent\\([^)]*\\)>",
                        "the start of a mapping ('{')")
                .replaceAll("<org\\.yaml\\.snakeyaml\\.events\\.SequenceStartEvent\\([^)]*\\)>", "the start of a list ('[')")
                .replaceAll("<org\\.yaml\\.snakeyaml\\.events\\.(\\w+)Event\\([^)]*\\)>", "a YAML $1")
                .replaceAll("\\(Scalar value in YAML\\)", "(a plain value)");
    }

    private static List<String> textList(JsonNode node) {
        List<String> values = new ArrayList<>();
        if (node.isTextual()) {
            values.add(node.asText());
        } else if (node.isArray()) {
            node.forEach(item -> values.add(item.asText()));
        }
        return values;
    }

    private void problem(String path, String message) {
        problems.add(new Problem(path, message));
    }

    private Fields fields(JsonNode node, String path, String... allowed) {
        if (node == null || !node.isObject()) {
            problem(path, "must be a mapping with " + String.join(", ", allowed));
            return null;
        }
        return new Fields(node, path, Set.of(allowed));
    }

    /**
     * The fields of one mapping: reads them by name, remembering which were read, so that
     * {@link #finish()} can report every field nobody asked for as unknown.
     */
    private final class Fields {
        private final JsonNode node;
        private final String path;
        private final Set<String> allowed;

        Fields(JsonNode node, String path, Set<String> allowed) {
            this.node = node;
            this.path = path;
            this.allowed = allowed;
        }

        String path(String key) {
            return path.isEmpty() ? key : path + "." + key;
        }

        boolean has(String key) {
            return node.has(key);
        }

        JsonNode get(String key) {
            return node.get(key);
        }

        String requiredText(String key, int maxLength) {
            if (!node.has(key)) {
                problem(path(key), "required");
                return null;
            }
            return optionalText(key, maxLength);
        }

        String optionalText(String key, int maxLength) {
            JsonNode value = node.get(key);
            if (value == null) {
                return null;
            }
            if (!value.isValueNode() || value.isNull() || value.asText().isBlank()) {
                problem(path(key), "must be a non-empty text");
                return null;
            }
            if (value.asText().length() > maxLength) {
                problem(path(key), "is longer than " + maxLength + " characters");
                return null;
            }
            return value.asText();
        }

        Optional<Boolean> bool(String key) {
            JsonNode value = node.get(key);
            if (value == null) {
                return Optional.empty();
            }
            if (!value.isBoolean()) {
                problem(path(key), "must be true or false");
                return Optional.empty();
            }
            return Optional.of(value.asBoolean());
        }

        Optional<Integer> integer(String key, int min, int max) {
            return longInteger(key, min, max).map(Long::intValue);
        }

        Optional<Long> longInteger(String key, long min, long max) {
            JsonNode value = node.get(key);
            if (value == null) {
                return Optional.empty();
            }
            if (!value.isIntegralNumber()) {
                problem(path(key), "must be a whole number, got '" + value.asText() + "'");
                return Optional.empty();
            }
            long number = value.asLong();
            if (number < min || number > max) {
                problem(path(key), "must be between " + min + " and " + max + ", got " + number);
                return Optional.empty();
            }
            return Optional.of(number);
        }

        Optional<Double> number(String key, double min, double max, boolean zeroAllowed) {
            JsonNode value = node.get(key);
            if (value == null) {
                return Optional.empty();
            }
            if (!value.isNumber()) {
                problem(path(key), "must be a number, got '" + value.asText() + "'");
                return Optional.empty();
            }
            double number = value.asDouble();
            if (number < min || number > max || (!zeroAllowed && number == 0) || Double.isNaN(number)) {
                problem(path(key), "must be " + (zeroAllowed ? "between " + (long) min : "above " + (long) min)
                        + " and at most " + (long) max + ", got " + value.asText());
                return Optional.empty();
            }
            return Optional.of(number);
        }

        Optional<Duration> duration(String key, Duration max) {
            JsonNode value = node.get(key);
            if (value == null) {
                return Optional.empty();
            }
            Duration duration;
            try {
                duration = Durations.parse(value.asText());
            } catch (IllegalArgumentException e) {
                problem(path(key), e.getMessage());
                return Optional.empty();
            }
            if (duration.isZero()) {
                problem(path(key), "must be longer than zero");
                return Optional.empty();
            }
            if (duration.compareTo(max) > 0) {
                problem(path(key), Durations.format(duration) + " is longer than the limit of " + Durations.format(max));
                return Optional.empty();
            }
            return Optional.of(duration);
        }

        void finish() {
            for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!allowed.contains(name)) {
                    problem(path(name), "unknown field" + Suggestions.hint(name, allowed));
                }
            }
        }
    }
}
