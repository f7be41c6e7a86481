package io.stampede.model;

/**
 * One worker's share of one workflow of one job, in one attempt: attempt 0 is the first dispatch,
 * each re-run of a lost share takes the next number, so one worker may hold several shares of a
 * workflow at once.
 */
public record ShareKey(JobId job, String workflow, String worker, int attempt) {

    public ShareKey {
        if (job == null || workflow == null || worker == null || attempt < 0) {
            throw new IllegalArgumentException("a share needs a job, a workflow, a worker and an attempt ≥ 0");
        }
    }

    @Override
    public String toString() {
        return job + "/" + workflow + "@" + worker + "#" + attempt;
    }
}
