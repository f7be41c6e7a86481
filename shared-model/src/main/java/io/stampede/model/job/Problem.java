package io.stampede.model.job;

/**
 * One thing wrong with a job specification.
 *
 * @param path    where, e.g. {@code workflows[1].steps[0].request.url}; empty for the document itself
 * @param message what is wrong, in words a user can act on
 */
public record Problem(String path, String message) {

    @Override
    public String toString() {
        return path.isEmpty() ? message : path + ": " + message;
    }
}
