package io.stampede.model.security;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

import io.stampede.model.job.Durations;
import io.stampede.model.job.JobSpec;
import io.stampede.model.job.Problem;
import io.stampede.model.job.WorkflowSpec;

/**
 * How much load one API key may ask for in one job: virtual users, arrival rate and time. Written
 * after a key's entry as {@code vus=200;rate=100;duration=30m} (each part optional); a key without
 * them may ask for anything the job format allows. Pure and immutable.
 *
 * @param maxVus      the most virtual users the job may run at once: every closed workflow's
 *                    {@code vus} and every open workflow's {@code maxVus}, added up
 * @param maxRate     the highest arrival rate, iterations a second: every open workflow's peak
 *                    ({@code rate} or a stage's {@code target}), added up
 * @param maxDuration the longest the job may run: its {@code timeout} and each workflow's planned
 *                    duration must fit; a job without a timeout is given this one
 */
public record KeyLimits(OptionalInt maxVus, OptionalDouble maxRate, Optional<Duration> maxDuration) {

    /** No limit beyond the job format's own. */
    public static final KeyLimits NONE = new KeyLimits(OptionalInt.empty(), OptionalDouble.empty(), Optional.empty());

    /** Whether no limit is set. */
    public boolean none() {
        return maxVus.isEmpty() && maxRate.isEmpty() && maxDuration.isEmpty();
    }

    /**
     * Reads {@code vus=N;rate=R;duration=D}; empty text is {@link #NONE}.
     *
     * @throws IllegalArgumentException saying which part is wrong, without echoing the text (a key
     *                                  pasted in the wrong place must not reach a log)
     */
    public static KeyLimits parse(String text) {
        OptionalInt vus = OptionalInt.empty();
        OptionalDouble rate = OptionalDouble.empty();
        Optional<Duration> duration = Optional.empty();
        for (String part : text.split(";", -1)) {
            String item = part.strip();
            if (item.isEmpty()) {
                continue;
            }
            int equals = item.indexOf('=');
            String name = equals < 0 ? "" : item.substring(0, equals).strip().toLowerCase(Locale.ROOT);
            String value = item.substring(equals + 1).strip();
            switch (name) {
                case "vus" -> vus = OptionalInt.of(wholeAbove0(value));
                case "rate" -> rate = OptionalDouble.of(above0(value));
                case "duration" -> duration = Optional.of(durationAbove0(value));
                default -> throw new IllegalArgumentException("each limit is vus=N, rate=R or duration=D");
            }
        }
        return new KeyLimits(vus, rate, duration);
    }

    private static int wholeAbove0(String value) {
        try {
            int parsed = Integer.parseInt(value);
            if (parsed >= 1) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("vus must be a whole number above 0");
    }

    private static double above0(String value) {
        try {
            double parsed = Double.parseDouble(value);
            if (parsed > 0 && !Double.isInfinite(parsed)) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("rate must be a number above 0 (iterations a second)");
    }

    private static Duration durationAbove0(String value) {
        try {
            Duration parsed = Durations.parse(value);
            if (!parsed.isNegative() && !parsed.isZero()) {
                return parsed;
            }
        } catch (IllegalArgumentException e) {
            // said below
        }
        throw new IllegalArgumentException("duration must be a duration above 0, such as 30m or 2h");
    }

    /** As written after a key's entry: {@code vus=200;rate=100;duration=30m}; empty for {@link #NONE}. */
    public String text() {
        List<String> parts = new ArrayList<>();
        maxVus.ifPresent(vus -> parts.add("vus=" + vus));
        maxRate.ifPresent(rate -> parts.add("rate=" + number(rate)));
        maxDuration.ifPresent(duration -> parts.add("duration=" + Durations.format(duration)));
        return String.join(";", parts);
    }

    /** Where {@code job} asks for more than these limits allow, each at its path; empty when it fits. */
    public List<Problem> check(JobSpec job) {
        List<Problem> problems = new ArrayList<>();
        if (maxVus.isPresent()) {
            long vus = job.workflows().stream().mapToLong(workflow -> workflow.load() instanceof WorkflowSpec.Closed closed
                    ? closed.vus() : ((WorkflowSpec.Open) workflow.load()).maxVus()).sum();
            if (vus > maxVus.getAsInt()) {
                problems.add(new Problem("workflows", vus + " virtual users at once (closed workflows' vus and open"
                        + " workflows' maxVus, added up) is over this caller's limit of " + maxVus.getAsInt()));
            }
        }
        if (maxRate.isPresent()) {
            double rate = job.workflows().stream().filter(workflow -> workflow.load() instanceof WorkflowSpec.Open)
                    .mapToDouble(workflow -> peak((WorkflowSpec.Open) workflow.load())).sum();
            if (rate > maxRate.getAsDouble()) {
                problems.add(new Problem("workflows", number(rate) + " iterations a second at the peak (open workflows'"
                        + " highest rates, added up) is over this caller's limit of " + number(maxRate.getAsDouble())));
            }
        }
        if (maxDuration.isPresent()) {
            Duration limit = maxDuration.get();
            job.timeout().filter(timeout -> timeout.compareTo(limit) > 0).ifPresent(timeout -> problems.add(
                    new Problem("timeout", Durations.format(timeout) + " is longer than this caller's limit of "
                            + Durations.format(limit))));
            for (int i = 0; i < job.workflows().size(); i++) {
                WorkflowSpec workflow = job.workflows().get(i);
                Optional<Duration> planned = workflow.load().duration();
                if (planned.isPresent() && planned.get().compareTo(limit) > 0) {
                    String path = "workflows[" + i + "]" + (workflow.load() instanceof WorkflowSpec.Closed ? ".duration" : "");
                    problems.add(new Problem(path, "runs for " + Durations.format(planned.get())
                            + ", longer than this caller's limit of " + Durations.format(limit)));
                }
            }
        }
        return problems;
    }

    /** The job's time limit under these limits: its own timeout, or the key's duration when it has none. */
    public Optional<Duration> timeout(JobSpec job) {
        return job.timeout().or(() -> maxDuration);
    }

    private static double peak(WorkflowSpec.Open open) {
        return open.stages().stream().mapToDouble(WorkflowSpec.Stage::target).reduce(open.rate(), Math::max);
    }

    /** A number as it is, without a trailing ".0" or a rounding that would hide an excess (50.004 > 50). */
    private static String number(double value) {
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }
}
