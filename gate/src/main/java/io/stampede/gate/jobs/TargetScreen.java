package io.stampede.gate.jobs;

import java.net.InetAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.random.RandomGenerator;

import io.stampede.model.job.JobSpec;
import io.stampede.model.job.Problem;
import io.stampede.model.job.StepSpec;
import io.stampede.model.job.Template;
import io.stampede.model.job.WorkflowSpec;
import io.stampede.model.security.TargetPolicy;

/**
 * Refuses a job at submission whose requests would go where the target policy denies: each step's
 * URL whose host is known before the job runs (a constant URL, or one made only of the job's own
 * {@code variables}) is resolved and judged, and each refusal is a problem at the step's path. A
 * URL known only at run time (a value extracted from a response, a VU's number) is judged by the
 * worker before each request. Pure but for {@code resolve}, which is given.
 */
public final class TargetScreen implements Function<JobSpec, List<Problem>> {

    private final TargetPolicy policy;
    private final Function<String, List<InetAddress>> resolve;

    /**
     * @param resolve a host's addresses (a literal's own, without a lookup), or none when it does
     *                not resolve: then only its name is judged here, and the worker judges it again
     */
    public TargetScreen(TargetPolicy policy, Function<String, List<InetAddress>> resolve) {
        this.policy = policy;
        this.resolve = resolve;
    }

    @Override
    public List<Problem> apply(JobSpec job) {
        List<Problem> problems = new ArrayList<>();
        for (int w = 0; w < job.workflows().size(); w++) {
            WorkflowSpec workflow = job.workflows().get(w);
            for (int s = 0; s < workflow.steps().size(); s++) {
                StepSpec step = workflow.steps().get(s);
                Optional<String> url = known(step.request().url(), job.variables());
                Optional<String> host = url.flatMap(TargetScreen::host);
                if (host.isPresent()) {
                    String path = "workflows[" + w + "].steps[" + s + "].request.url";
                    policy.refusal(host.get(), resolve.apply(host.get())).ifPresent(reason ->
                            problems.add(new Problem(path, "the target is denied: " + reason)));
                }
            }
        }
        return problems;
    }

    /** The URL, when it is known before the job runs. */
    private static Optional<String> known(Template url, Map<String, String> variables) {
        if (url.isConstant()) {
            return Optional.of(url.source());
        }
        if (!variables.keySet().containsAll(url.variables())) {
            return Optional.empty();
        }
        try {
            return Optional.of(url.render(new JobVariables(variables)));
        } catch (RuntimeException e) {
            return Optional.empty(); // a function of the run ({{uuid}}, {{vu}}): the worker judges it
        }
    }

    private static Optional<String> host(String url) {
        try {
            return Optional.ofNullable(URI.create(url).getHost()).map(host -> host.startsWith("[") && host.endsWith("]")
                    ? host.substring(1, host.length() - 1) : host);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** A scope with only the job's variables: anything else about a run is unknown here. */
    private record JobVariables(Map<String, String> variables) implements Template.Scope {
        @Override
        public String variable(String name) {
            return variables.get(name);
        }

        @Override
        public long vu() {
            throw new IllegalStateException("known only at run time");
        }

        @Override
        public long iteration() {
            throw new IllegalStateException("known only at run time");
        }

        @Override
        public long nextSequence() {
            throw new IllegalStateException("known only at run time");
        }

        @Override
        public RandomGenerator random() {
            throw new IllegalStateException("known only at run time");
        }

        @Override
        public long epochMillis() {
            throw new IllegalStateException("known only at run time");
        }
    }
}
