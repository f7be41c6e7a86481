package io.stampede.model.job;

import java.util.List;

/** A job specification with problems; the message lists every one, a line each. */
public final class InvalidJobException extends IllegalArgumentException {

    private final List<Problem> problems;

    public InvalidJobException(List<Problem> problems) {
        super(problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + " in the job:\n  "
                + String.join("\n  ", problems.stream().map(Problem::toString).toList()));
        this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() {
        return problems;
    }
}
