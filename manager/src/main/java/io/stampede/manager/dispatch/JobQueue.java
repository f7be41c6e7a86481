package io.stampede.manager.dispatch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

import io.stampede.model.wire.Capabilities;

/**
 * When a job waits for a free core in its datacenter (QUEUED), and which waiting jobs start. Pure:
 * the workers, the jobs and the time come in with each call.
 */
public final class JobQueue {

    /** A job that waits, and since when (epoch ms). */
    public record Waiting<J>(J job, long sinceMillis) {
    }

    private JobQueue() {
    }

    /**
     * Whether a job may wait QUEUED at all for the gate that sent it: only when that gate and this
     * manager both have {@link Capabilities#JOB_QUEUE}. A gate without it would refuse every
     * progress record saying QUEUED and give the datacenter up as silent; its jobs start at once.
     *
     * @param gate what the gate told with the job, or what its version implies
     */
    public static boolean mayWaitFor(Set<String> own, Set<String> gate) {
        return Capabilities.negotiate(own, gate).contains(Capabilities.JOB_QUEUE);
    }

    /**
     * Whether a new job waits: it has work here, waiting is on ({@code limit} above 0), and either
     * other jobs wait already (first come, first started) or every worker it would be given to
     * ({@code usable}) reports no free core while other jobs run.
     */
    public static boolean mustWait(boolean hasWorkHere, Duration limit, List<WorkerRegistry.Worker> usable,
            boolean othersRunning, boolean othersWaiting) {
        if (!hasWorkHere || limit.isZero()) {
            return false;
        }
        boolean full = !usable.isEmpty() && usable.stream().allMatch(worker -> worker.freeCores() <= 0) && othersRunning;
        return othersWaiting || full;
    }

    /**
     * The waiting jobs to start now, oldest first: every job that has waited {@code limit}, and the
     * oldest of the others when a core is free (a worker reports one, a job here has just ended, or
     * none runs).
     */
    public static <J> List<J> toStart(List<Waiting<J>> waiting, boolean aCoreIsFree, long nowMillis, Duration limit) {
        List<J> start = new ArrayList<>();
        boolean free = aCoreIsFree;
        for (Waiting<J> next : waiting.stream().sorted(Comparator.comparingLong(Waiting<J>::sinceMillis)).toList()) {
            if (nowMillis - next.sinceMillis() >= limit.toMillis()) {
                start.add(next.job()); // waited long enough: it shares the workers, and takes no free core
            } else if (free) {
                start.add(next.job());
                free = false;
            }
        }
        return start;
    }
}
