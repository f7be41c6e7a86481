package io.stampede.model.wire;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import io.stampede.model.load.Backpressure;
import io.stampede.model.load.Extensions;
import io.stampede.model.load.LoadState;
import io.stampede.model.load.Progress;

import io.stampede.model.job.LoadShare;
import io.stampede.model.lifecycle.DatacenterJobStatus;
import io.stampede.model.lifecycle.JobStatus;
import io.stampede.model.lifecycle.ShareState;
import io.stampede.model.lifecycle.WorkflowState;
import io.stampede.model.stats.JobSeries;
import io.stampede.model.stats.Unaccounted;
import io.stampede.model.stats.WorkflowWindow;

/**
 * What a record says. One record type per message; the families follow the topics
 * (docs/architecture.md). Records are JSON, so readers ignore fields they do not know.
 */
public sealed interface Payload {

    /**
     * The authority whose fence this record carries, or empty for facts that no leader issues (a
     * worker's windows, results and heartbeats: judged by their sender's sequence only). Fences
     * are compared only within one authority: the gates, the datacenter leader that dispatches
     * to workers, or one datacenter's leader reporting to the gates.
     */
    default String fenceDomain() {
        return "";
    }

    /** Records the gates issue, under the job owner's fence. */
    sealed interface FromGates extends Payload {
        @Override
        default String fenceDomain() {
            return "gates";
        }
    }

    /** Records a datacenter's leader issues to its workers, under its term. */
    sealed interface FromLeader extends Payload {
        @Override
        default String fenceDomain() {
            return "leader";
        }
    }

    /** Records a datacenter's leader reports to the gates, under its term; each datacenter is its own authority. */
    sealed interface DatacenterReport extends Payload {
        String datacenter();

        @Override
        default String fenceDomain() {
            return "datacenter:" + datacenter();
        }
    }

    /**
     * Gate → managers of a datacenter: run this job's share here.
     *
     * @param capabilities what the submitting gate speaks ({@link Capabilities}); empty from a gate
     *                     of protocol 4.2 and older, which speaks what its version implies
     * @param gates        how many gates the gates' Raft group has, whose majority states each later
     *                     ownership generation of the job ({@link OwnershipStated}); 0 from a gate of
     *                     protocol 4.5 and older, which states none
     */
    record JobSubmitted(String datacenter, String spec, Map<String, LoadShare> shares, long deadlineEpochMillis,
            List<String> datacenters, List<String> capabilities, int gates) implements FromGates {
        public JobSubmitted {
            shares = Map.copyOf(shares);
            datacenters = datacenters == null ? List.of() : List.copyOf(datacenters);
            capabilities = List.copyOf(Capabilities.of(capabilities));
            gates = Math.max(0, gates);
        }

        public JobSubmitted(String datacenter, String spec, Map<String, LoadShare> shares, long deadlineEpochMillis,
                List<String> datacenters, List<String> capabilities) {
            this(datacenter, spec, shares, deadlineEpochMillis, datacenters, capabilities, 0);
        }

        public JobSubmitted(String datacenter, String spec, Map<String, LoadShare> shares, long deadlineEpochMillis,
                List<String> datacenters, int gates) {
            this(datacenter, spec, shares, deadlineEpochMillis, datacenters, List.copyOf(Capabilities.CURRENT), gates);
        }

        public JobSubmitted(String datacenter, String spec, Map<String, LoadShare> shares, long deadlineEpochMillis,
                List<String> datacenters) {
            this(datacenter, spec, shares, deadlineEpochMillis, datacenters, List.copyOf(Capabilities.CURRENT));
        }

        public JobSubmitted(String datacenter, String spec, Map<String, LoadShare> shares, long deadlineEpochMillis) {
            this(datacenter, spec, shares, deadlineEpochMillis, List.of());
        }

        /**
         * Whether the gates release this job's dependent workflows (it runs in more than one
         * datacenter): a dependent starts when its dependencies have ended in every datacenter,
         * with their exports merged ({@link WorkflowReleased}). Otherwise (one datacenter, or a gate
         * of protocol 4.1 and older) the manager starts it when they have completed here.
         */
        public boolean gatesRelease() {
            return datacenters.size() > 1;
        }
    }

    /**
     * Gate → the managers of every datacenter of a job that runs in several: the dependencies of
     * {@code workflow} have ended everywhere; start it with these variables.
     *
     * @param exports what its dependencies exported, merged over the datacenters where they
     *                completed (for each variable, the datacenter whose dependency completed last)
     * @param failure why it must not start (its dependencies completed nowhere); empty to start it
     */
    record WorkflowReleased(String workflow, Map<String, String> exports, String failure) implements FromGates {
        public WorkflowReleased {
            exports = Map.copyOf(exports);
            failure = failure == null ? "" : failure;
        }
    }

    /** Gate → managers, or manager → workers: stop the job now. */
    record JobCancelRequested(String reason) implements FromGates {
    }

    /**
     * Manager leader → one worker: run this share of a workflow.
     *
     * @param document  the job cut down to this workflow ({@code JobSpecParser.workflowDocuments}):
     *                  the worker compiles exactly what was validated, without the rest of the job
     * @param variables the job's variables plus what the workflow's dependencies exported
     * @param attempt   0 for the workflow's first shares; each re-run of a lost share takes the next
     *                  number, so one worker can hold several shares of a workflow
     * @param endsAtEpochMillis when a re-run of a duration-based share ends (the lost share's end);
     *                  0 to run as the job says
     * @param workerStartedAtMillis the start of the worker process the share is for, from its
     *                  heartbeats ({@link WorkerHeartbeat#startedAtMillis}): a worker restarted since
     *                  does not run it (the leader treats the earlier process's shares as lost); 0
     *                  for whichever process reads it
     */
    record WorkflowDispatched(String workflow, String worker, String document, LoadShare share,
            Map<String, String> variables, long deadlineEpochMillis, int attempt, long endsAtEpochMillis,
            long workerStartedAtMillis) implements FromLeader {
        public WorkflowDispatched {
            variables = Map.copyOf(variables);
        }

        /** A first attempt, run as the job says, by whichever process of the worker reads it. */
        public WorkflowDispatched(String workflow, String worker, String document, LoadShare share,
                Map<String, String> variables, long deadlineEpochMillis) {
            this(workflow, worker, document, share, variables, deadlineEpochMillis, 0, 0, 0);
        }
    }

    /** Manager leader → one worker: stop this workflow's share. */
    record WorkflowCancelRequested(String workflow, String worker, int attempt) implements FromLeader {
        public WorkflowCancelRequested(String workflow, String worker) {
            this(workflow, worker, 0);
        }
    }

    /**
     * Manager leader → its workers, when the level changes and every 5 s, NONE too: how hard to
     * hold back progress windows (see {@link Backpressure}). A worker that accepts no level for 15 s
     * goes back to NONE and forgets the fence, so a lost manager cannot leave it batching.
     */
    record BackpressureChanged(String datacenter, Backpressure level) implements Payload {
        public BackpressureChanged {
            level = Backpressure.orNone(level);
        }
    }

    /**
     * Every manager, leader or not → its datacenter's workers (on its dispatch topic) and the gates
     * (on the events topic), when its Raft term changes and every 5 s: the term it is in now and how
     * many managers its group has. A worker applies a record on the dispatch topic, and a gate a
     * datacenter's record on the events topic, only under a fence a majority of the group has
     * stated, once a majority has stated one (docs/security.md#fences-checked-against-the-groups-term): Raft elects a leader
     * only with a majority's votes, each then in its term or a later one, so a higher fence is one a
     * single manager made up. Unfenced: each manager's own word, signed with its own key.
     *
     * @param managers the group's members as this manager knows them, 1 or more
     */
    record TermStated(String datacenter, long term, int managers) implements Payload {
        public TermStated {
            if (term < 0 || term > RecordCodec.MAX_FENCE || managers < 1) {
                throw new IllegalArgumentException("a term from 0 to " + RecordCodec.MAX_FENCE
                        + " of a group of 1 manager or more, not term " + term + " of " + managers);
            }
        }
    }

    /**
     * Every gate → the managers of each datacenter of a job, in its own name: the gates' replicated
     * table has given the job to a new owner under ownership generation {@code generation}, the
     * fence of that owner's records about the job. A manager applies a gate's record under a
     * generation above the first only once a majority of the job's gates has stated it, so a gate
     * taken over cannot fence the job's owner out with a number the table never gave. Sent once a
     * gate has applied the move and sees the gate the job left down. Under no fence itself.
     *
     * @param gates how many gates the gates' Raft group has, as this gate knows it; for reading
     *              only (a manager takes the group size from the job's submission)
     */
    record OwnershipStated(long generation, int gates) implements Payload {
        public OwnershipStated {
            if (generation < 1 || generation > RecordCodec.MAX_FENCE || gates < 1) {
                throw new IllegalArgumentException("a generation from 1 to " + RecordCodec.MAX_FENCE
                        + " of a group of 1 gate or more, not generation " + generation + " of " + gates);
            }
        }
    }

    /**
     * Manager leader → its workers: the job has ended in this datacenter (with {@code status}), so
     * a worker lets go of what it holds for it once its retention has passed.
     */
    record JobEnded(DatacenterJobStatus status) implements FromLeader {
    }

    /** Worker → manager leader: one window of a workflow share's statistics. */
    record WorkflowWindowReported(String workflow, String worker, WorkflowWindow window, int attempt)
            implements Payload {
        public WorkflowWindowReported(String workflow, String worker, WorkflowWindow window) {
            this(workflow, worker, window, 0);
        }
    }

    /**
     * Worker → manager leader: a share will not end before the job's timeout, and asks for more
     * time (the manager grants 15, 7.5, 3.75 … s while it makes progress, at most 5 times).
     *
     * @param progress  how far the share is, 0..1 (iterations done of those it must run)
     * @param etaMillis how much longer it expects to need at its pace so far; -1 when it has made
     *                  no progress to judge by
     * @param activeVus virtual users running now
     */
    record ExtensionRequested(String workflow, String worker, int attempt, double progress, long etaMillis,
            long activeVus) implements Payload {
        public ExtensionRequested {
            if (!(progress >= 0 && progress <= 1) || etaMillis < -1 || activeVus < 0) {
                throw new IllegalArgumentException("an extension request needs a progress of 0 to 1, an eta of -1"
                        + " (unknown) or more and a count of virtual users: " + progress + ", " + etaMillis + ", "
                        + activeVus);
            }
        }
    }

    /**
     * Worker → manager leader: a workflow share has ended.
     *
     * @param outcome COMPLETED, CANCELLED or FAILED
     * @param error   why it failed; for a share that did not fail, what it had to give up (virtual
     *                users shed under memory pressure), or empty
     * @param attempt the attempt of the share that ended (see {@link WorkflowDispatched})
     */
    record WorkflowFinished(String workflow, String worker, ShareState outcome, WorkflowWindow totals,
            Map<String, String> exports, String error, int attempt) implements Payload {
        public WorkflowFinished {
            if (!outcome.terminal()) {
                throw new IllegalArgumentException("a finished share cannot be " + outcome);
            }
            exports = Map.copyOf(exports);
        }

        public WorkflowFinished(String workflow, String worker, ShareState outcome, WorkflowWindow totals,
                Map<String, String> exports, String error) {
            this(workflow, worker, outcome, totals, exports, error, 0);
        }
    }

    /**
     * Worker → managers of its datacenter: alive, with this much capacity.
     *
     * @param startedAtMillis when this worker's process started: a new value under the same id
     *                        means the worker restarted, and the shares of its earlier process are lost
     * @param load            the worker's load state: an OVERLOADED worker is given no new shares
     *                        (null from an older worker: HEALTHY)
     * @param progress        how its arrival-rate shares keep up with their rate since the last
     *                        heartbeat: a STUCK worker is given no new shares (null: UNKNOWN)
     * @param capabilities    what the worker speaks ({@link Capabilities}); empty from a worker
     *                        of protocol 4.2 and older
     */
    record WorkerHeartbeat(String worker, String datacenter, int cores, int freeCores, String version,
            long startedAtMillis, LoadState load, Progress progress, List<String> capabilities) implements Payload {
        public WorkerHeartbeat {
            load = LoadState.orHealthy(load);
            progress = Progress.orUnknown(progress);
            capabilities = List.copyOf(Capabilities.of(capabilities));
        }

        public WorkerHeartbeat(String worker, String datacenter, int cores, int freeCores, String version,
                long startedAtMillis, LoadState load, Progress progress) {
            this(worker, datacenter, cores, freeCores, version, startedAtMillis, load, progress, List.of());
        }

        public WorkerHeartbeat(String worker, String datacenter, int cores, int freeCores, String version,
                long startedAtMillis) {
            this(worker, datacenter, cores, freeCores, version, startedAtMillis, LoadState.HEALTHY, Progress.UNKNOWN);
        }
    }

    /**
     * Manager leader → everyone: the datacenter's statistics since its last progress record and
     * every workflow's state. Per workflow that reported, its workers' windows merged per second of
     * the clock (a window starting in that second), oldest first; a second whose windows arrive
     * over two records is in both, each with the part it had. {@code exports}: what completed
     * dependencies exported, for a job the gates release; {@code queued}: the job waits here for a
     * free core (QUEUED); {@code incidents}: what happened to the job here since the last progress
     * (4.4: a lost worker, a re-run share), oldest first.
     */
    record DatacenterProgress(String datacenter, Map<String, WorkflowState> states,
            Map<String, List<WorkflowWindow>> windows, Backpressure backpressure, Extensions extensions,
            Map<String, Exported> exports, boolean queued, List<Incident> incidents) implements DatacenterReport {
        public DatacenterProgress {
            backpressure = Backpressure.orNone(backpressure);
            extensions = Extensions.orNone(extensions);
            states = Map.copyOf(states);
            Map<String, List<WorkflowWindow>> copy = new LinkedHashMap<>();
            windows.forEach((workflow, seconds) -> copy.put(workflow, List.copyOf(seconds)));
            windows = Collections.unmodifiableMap(copy);
            exports = exports == null ? Map.of() : Map.copyOf(exports);
            incidents = incidents == null ? List.of() : List.copyOf(incidents);
        }

        public DatacenterProgress(String datacenter, Map<String, WorkflowState> states,
                Map<String, List<WorkflowWindow>> windows, Backpressure backpressure, Extensions extensions,
                Map<String, Exported> exports, boolean queued) {
            this(datacenter, states, windows, backpressure, extensions, exports, queued, List.of());
        }

        public DatacenterProgress(String datacenter, Map<String, WorkflowState> states,
                Map<String, List<WorkflowWindow>> windows, Backpressure backpressure, Extensions extensions,
                Map<String, Exported> exports) {
            this(datacenter, states, windows, backpressure, extensions, exports, false);
        }

        public DatacenterProgress(String datacenter, Map<String, WorkflowState> states,
                Map<String, List<WorkflowWindow>> windows, Backpressure backpressure, Extensions extensions) {
            this(datacenter, states, windows, backpressure, extensions, Map.of());
        }

        public DatacenterProgress(String datacenter, Map<String, WorkflowState> states,
                Map<String, List<WorkflowWindow>> windows) {
            this(datacenter, states, windows, Backpressure.NONE, Extensions.NONE);
        }

        /** The same progress, saying what the manager asked its workers for at the time. */
        public DatacenterProgress withBackpressure(Backpressure level) {
            return new DatacenterProgress(datacenter, states, windows, level, extensions, exports, queued, incidents);
        }
    }

    /**
     * Something that happened to a job in a datacenter, for the job's timeline.
     *
     * @param atMillis when, epoch ms (the leading manager's clock)
     * @param kind     {@code worker-lost} (a share's worker was lost and the share was not run
     *                 again) or {@code re-run} (it was lost and runs again on another worker)
     * @param workflow the workflow it happened to
     * @param detail   what happened, in words
     */
    record Incident(long atMillis, String kind, String workflow, String detail) {
        public static final String WORKER_LOST = "worker-lost";
        public static final String RE_RUN = "re-run";
    }

    /**
     * What a workflow that completed in one datacenter exported, for the gates to merge across
     * datacenters ({@link WorkflowReleased}).
     *
     * @param completedAtMillis when it completed: the end of its last reported window
     */
    record Exported(Map<String, String> values, long completedAtMillis) {
        public Exported {
            values = Map.copyOf(values);
        }
    }

    /**
     * Manager leader → everyone: the job has ended in this datacenter.
     *
     * @param status  a terminal status: COMPLETED, FAILED, CANCELLED or TIMED_OUT
     * @param states  each workflow's final state
     * @param totals  each workflow's statistics, merged exactly over all its workers
     * @param errors  why workflows failed, by workflow
     * @param unaccounted what lost workers may have sent and not reported
     */
    record DatacenterFinished(String datacenter, DatacenterJobStatus status, Map<String, WorkflowState> states,
            Map<String, WorkflowWindow> totals, Map<String, String> errors, Unaccounted unaccounted)
            implements DatacenterReport {
        public DatacenterFinished {
            if (!status.terminal()) {
                throw new IllegalArgumentException("a finished datacenter job cannot be " + status);
            }
            states = Map.copyOf(states);
            totals = Map.copyOf(totals);
            errors = Map.copyOf(errors);
            unaccounted = unaccounted == null ? Unaccounted.NONE : unaccounted;
        }

        /** A datacenter where no worker was lost. */
        public DatacenterFinished(String datacenter, DatacenterJobStatus status, Map<String, WorkflowState> states,
                Map<String, WorkflowWindow> totals, Map<String, String> errors) {
            this(datacenter, status, states, totals, errors, Unaccounted.NONE);
        }
    }

    /**
     * Manager → gates, every few seconds, about its datacenter: its capacity and load.
     *
     * @param workers       live workers that take new shares (not OVERLOADED)
     * @param load          the manager's own load state (null from an older manager: HEALTHY)
     * @param backpressure  what the manager asks its workers for now (null from an older manager: NONE)
     * @param probeAddress  host:port where the sending manager answers gates' probes (gRPC); empty
     *                      from a manager that answers none (4.1 and older)
     * @param allWorkers    live workers, whether or not they take new shares (0 from 4.1 and older)
     * @param managersAlive the datacenter's managers up now, by the sender's membership (0: unknown)
     * @param managersTotal the datacenter's managers in all (0: unknown)
     * @param coresFreeInMillis how long until a core frees, in ms: 0 when one is free; -1 (or
     *                      absent, from 4.1 and older) when it cannot be told
     * @param capabilities  what the sending manager speaks ({@link Capabilities}); empty from 4.2
     *                      and older
     */
    record DatacenterStatus(String datacenter, String manager, int workers, int cores, int freeCores, int activeJobs,
            LoadState load, Backpressure backpressure, String probeAddress, int allWorkers, int managersAlive,
            int managersTotal, Long coresFreeInMillis, List<String> capabilities) implements DatacenterReport {
        public DatacenterStatus {
            load = LoadState.orHealthy(load);
            backpressure = Backpressure.orNone(backpressure);
            probeAddress = probeAddress == null ? "" : probeAddress;
            coresFreeInMillis = coresFreeInMillis == null ? -1L : coresFreeInMillis;
            capabilities = List.copyOf(Capabilities.of(capabilities));
        }

        public DatacenterStatus(String datacenter, String manager, int workers, int cores, int freeCores,
                int activeJobs, LoadState load, Backpressure backpressure, String probeAddress, int allWorkers,
                int managersAlive, int managersTotal, Long coresFreeInMillis) {
            this(datacenter, manager, workers, cores, freeCores, activeJobs, load, backpressure, probeAddress,
                    allWorkers, managersAlive, managersTotal, coresFreeInMillis, List.of());
        }

        public DatacenterStatus(String datacenter, String manager, int workers, int cores, int freeCores,
                int activeJobs) {
            this(datacenter, manager, workers, cores, freeCores, activeJobs, LoadState.HEALTHY, Backpressure.NONE, "",
                    0, 0, 0, -1L);
        }
    }

    /**
     * Gate → everyone: the job has ended everywhere.
     *
     * @param status      a terminal status: COMPLETED, FAILED, CANCELLED or TIMED_OUT
     * @param datacenters each target datacenter's final status
     * @param totals      each workflow's statistics over every datacenter
     */
    record JobFinished(JobStatus status, Map<String, DatacenterJobStatus> datacenters,
            Map<String, WorkflowWindow> totals, Map<String, String> errors, Unaccounted unaccounted)
            implements FromGates {
        public JobFinished {
            if (!status.terminal()) {
                throw new IllegalArgumentException("a finished job cannot be " + status);
            }
            datacenters = Map.copyOf(datacenters);
            totals = Map.copyOf(totals);
            errors = Map.copyOf(errors);
            unaccounted = unaccounted == null ? Unaccounted.NONE : unaccounted;
        }
    }

    /**
     * Gate → {@code stampede.jobs.results}, once its series has settled (3 s after the end): a
     * finished job's results, kept by the compacted topic so that any gate serves them once it no
     * longer holds the job, after a restart too.
     *
     * @param view             the job as {@code GET /api/v1/jobs/{id}} answered at the end (the API's
     *                         {@code JobView}, statistics included)
     * @param resolutionMillis the resolution of every series below
     * @param series           each workflow's series, every datacenter merged ({@code all}) and each
     *                         datacenter, with every step
     * @param seriesNote       empty, or why the series is coarser than the job kept it or missing (it
     *                         did not fit in a record)
     */
    record JobArchived(String name, JobStatus status, long submittedAtMillis, long endedAtMillis,
            List<String> datacenters, List<String> workflows, JsonNode view,
            long resolutionMillis, List<JobSeries.Series> series, String seriesNote)
            implements FromGates {
        public JobArchived {
            if (!status.terminal()) {
                throw new IllegalArgumentException("an archived job has ended, not " + status);
            }
            datacenters = List.copyOf(datacenters);
            workflows = List.copyOf(workflows);
            series = List.copyOf(series);
            seriesNote = seriesNote == null ? "" : seriesNote;
        }
    }

    /** Gate → everyone, at most once a second while the job runs: its statistics over every datacenter so far. */
    record JobProgress(JobStatus status, Map<String, DatacenterJobStatus> datacenters,
            Map<String, WorkflowWindow> totals)
            implements FromGates {
        public JobProgress {
            datacenters = Map.copyOf(datacenters);
            totals = Map.copyOf(totals);
        }
    }
}
