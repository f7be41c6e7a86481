package io.stampede.cli;

import io.stampede.model.lifecycle.JobStatus;

/** Exit codes of the {@code stampede} command, documented in docs/cli.md. */
public final class ExitCodes {

    /** It worked. */
    public static final int OK = 0;
    /** It did not work; the message says why. */
    public static final int FAILURE = 1;
    /** The command line was wrong (picocli's own code for usage errors). */
    public static final int USAGE = 2;
    /** The job file has problems; each is printed with its path. */
    public static final int INVALID_JOB = 3;
    /** The job completed but at least one check failed. */
    public static final int CHECKS_FAILED = 10;
    /** The job failed (a workflow failed in some datacenter). */
    public static final int JOB_FAILED = 11;
    /** The job was cancelled (Ctrl-C during `run` cancels it). */
    public static final int JOB_CANCELLED = 12;
    /** The job reached its timeout. */
    public static final int JOB_TIMED_OUT = 13;
    /** The gate could not be reached. */
    public static final int GATE_UNREACHABLE = 14;
    /** A datacenter of the job was lost; at least its minDatacenters completed their part. */
    public static final int JOB_PARTIAL = 15;

    /**
     * A threshold was crossed (k6's code): one the job set, or the gate's default for a job that
     * sets none (its error rate reached stampede.jobs.max-error-rate), or every request failed.
     */
    public static final int THRESHOLDS_FAILED = 99;

    /**
     * The exit code for a job that ended with {@code status}. A completed job: 99 when a threshold
     * it set was crossed, else 10 when a check failed, else 99 when the gate's default threshold
     * was crossed (its error rate reached the limit, or every request failed), else 0. A failed
     * job: 99 when an abortOnFail threshold stopped it, else 11. Cancelled, timed out and partial
     * jobs keep their own codes, which say more.
     *
     * @param ownCrossed     a threshold the job set was crossed
     * @param defaultCrossed the gate's default threshold was crossed
     * @param aborted        an abortOnFail threshold stopped the job
     */
    public static int forJob(JobStatus status, boolean checksFailed, boolean ownCrossed, boolean defaultCrossed,
            boolean aborted) {
        if (status == JobStatus.FAILED && aborted) {
            return THRESHOLDS_FAILED;
        }
        if (status == JobStatus.COMPLETED) {
            return ownCrossed ? THRESHOLDS_FAILED : checksFailed ? CHECKS_FAILED
                    : defaultCrossed ? THRESHOLDS_FAILED : OK;
        }
        return forJob(status, checksFailed);
    }

    /** The exit code for a job that ended with {@code status}, thresholds aside. */
    public static int forJob(JobStatus status, boolean checksFailed) {
        return switch (status) {
            case COMPLETED -> checksFailed ? CHECKS_FAILED : OK;
            case PARTIAL -> JOB_PARTIAL;
            case FAILED -> JOB_FAILED;
            case CANCELLED -> JOB_CANCELLED;
            case TIMED_OUT -> JOB_TIMED_OUT;
            case SUBMITTED, RUNNING -> FAILURE;
        };
    }

    /** The exit code for a job that ended with {@code status} as the gate wrote it; FAILURE for anything else. */
    public static int forJob(String status, boolean checksFailed, boolean ownCrossed, boolean defaultCrossed,
            boolean aborted) {
        return JobStatuses.parse(status).map(known -> forJob(known, checksFailed, ownCrossed, defaultCrossed, aborted))
                .orElse(FAILURE);
    }

    private ExitCodes() {
    }
}
