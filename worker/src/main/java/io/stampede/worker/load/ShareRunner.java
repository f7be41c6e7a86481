package io.stampede.worker.load;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.smallrye.common.annotation.Identifier;
import io.stampede.model.Topics;
import io.stampede.model.job.JobSpec;
import io.stampede.model.job.JobSpecParser;
import io.stampede.model.job.LoadShare;
import io.stampede.model.job.WorkflowSpec;
import io.stampede.model.stats.WorkflowWindow;
import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.Payload;
import io.stampede.model.wire.ReplayFilter;
import io.stampede.node.config.NodeIdentity;
import io.stampede.node.messaging.RecordInbox;
import io.stampede.node.messaging.RecordSender;
import io.stampede.worker.engine.LoadEngine;
import io.stampede.worker.engine.WorkflowResult;
import io.stampede.worker.engine.WorkflowRun;
import io.stampede.worker.engine.WorkflowShare;

/**
 * Runs the workflow shares dispatched to this worker and reports on them: a
 * {@code workflow.window} record per window and a {@code workflow.finished} record at the end,
 * on the datacenter's progress topic, each under the fence of the dispatch.
 */
@Singleton
public class ShareRunner {

    private static final Logger LOG = Logger.getLogger(ShareRunner.class);

    private final NodeIdentity identity;
    private final LoadEngine engine;
    private final RecordInbox inbox;
    private final RecordSender progress;
    private final String dispatchTopic;
    private final ReplayFilter replays = new ReplayFilter();
    private final Map<String, WorkflowRun> running = new ConcurrentHashMap<>();

    private final Clock clock;

    public ShareRunner(NodeIdentity identity, LoadEngine engine, RecordInbox inbox,
            @Identifier("progress") RecordSender progress, Clock clock) {
        this.clock = clock;
        this.identity = identity;
        this.engine = engine;
        this.inbox = inbox;
        this.progress = progress;
        this.dispatchTopic = Topics.dispatch(identity.datacenter().orElseThrow());
    }

    /** Shares running now. */
    public int runningShares() {
        return running.size();
    }

    /** One record from the dispatch topic. Never throws: a bad record is counted and skipped. */
    public void onDispatchRecord(byte[] value) {
        inbox.open(dispatchTopic, value).ifPresent(envelope -> {
            try {
                apply(envelope);
            } catch (RuntimeException e) {
                LOG.errorf(e, "could not apply %s for job %s", envelope.type().wireName(), envelope.jobId());
            }
        });
    }

    private void apply(Envelope envelope) {
        if (envelope.payload() instanceof Payload.WorkflowDispatched dispatch) {
            if (addressedHere(dispatch.worker()) && accepted(envelope)) {
                start(envelope, dispatch);
            }
        } else if (envelope.payload() instanceof Payload.WorkflowCancelRequested cancel) {
            if (addressedHere(cancel.worker()) && accepted(envelope)) {
                WorkflowRun run = running.get(key(envelope.jobId(), cancel.workflow(), cancel.attempt()));
                if (run != null) {
                    run.cancel();
                }
            }
        } else if (envelope.payload() instanceof Payload.JobCancelRequested && accepted(envelope)) {
            running.forEach((key, run) -> {
                if (key.startsWith(envelope.jobId() + "/")) {
                    run.cancel();
                }
            });
        }
    }

    private boolean addressedHere(String worker) {
        return identity.id().equals(worker);
    }

    private synchronized boolean accepted(Envelope envelope) {
        ReplayFilter.Verdict verdict = replays.offer(envelope);
        if (verdict != ReplayFilter.Verdict.ACCEPTED) {
            inbox.dropped(dispatchTopic, envelope, verdict);
            return false;
        }
        return true;
    }

    private void start(Envelope envelope, Payload.WorkflowDispatched dispatch) {
        String jobId = envelope.jobId();
        long fence = envelope.fence();
        String key = key(jobId, dispatch.workflow(), dispatch.attempt());
        if (running.containsKey(key)) {
            LOG.infof("job %s workflow %s (attempt %d) is already running here; dispatch ignored", jobId,
                    dispatch.workflow(), dispatch.attempt());
            return;
        }
        int attempt = dispatch.attempt();
        WorkflowSpec workflow;
        try {
            JobSpec job = JobSpecParser.parse(dispatch.spec());
            workflow = job.workflow(dispatch.workflow()).orElseThrow(() -> new IllegalArgumentException(
                    "the job has no workflow named " + dispatch.workflow()));
        } catch (IllegalArgumentException e) {
            // An InvalidJobException too: the gate validated the job, so this means a version skew.
            reportFailure(jobId, fence, dispatch.workflow(), attempt,
                    "cannot run the dispatched workflow: " + e.getMessage());
            return;
        }
        if (dispatch.endsAtEpochMillis() > 0 && workflow.load() instanceof WorkflowSpec.Closed closed) {
            // A re-run of a lost share: only the lost share's remaining time.
            long remaining = Math.max(1, dispatch.endsAtEpochMillis() - clock.millis());
            workflow = new WorkflowSpec(workflow.name(), new WorkflowSpec.Closed(closed.vus(),
                    Optional.of(Duration.ofMillis(remaining)), closed.iterations()), workflow.dependsOn(),
                    workflow.exports(), workflow.http(), workflow.gracefulStop(), workflow.steps());
        }
        LoadShare share = dispatch.share();
        WorkflowShare engineShare = new WorkflowShare(workflow, dispatch.variables(), share.vus(), share.rateFactor(),
                share.maxVus(), share.firstVu(), Duration.ofSeconds(1), jobId.hashCode() * 31L + share.firstVu());
        WorkflowRun run = engine.start(engineShare, window -> progress.send(jobId, fence,
                new Payload.WorkflowWindowReported(dispatch.workflow(), identity.id(), window, attempt)));
        running.put(key, run);
        LOG.infof("running job %s workflow %s (attempt %d): %s", jobId, dispatch.workflow(), attempt, share);
        run.completion().whenComplete((result, failure) -> {
            running.remove(key);
            if (failure != null) {
                LOG.errorf(failure, "job %s workflow %s failed", jobId, dispatch.workflow());
                reportFailure(jobId, fence, dispatch.workflow(), attempt, String.valueOf(failure.getMessage()));
                return;
            }
            progress.send(jobId, fence, new Payload.WorkflowFinished(dispatch.workflow(), identity.id(),
                    result.outcome() == WorkflowResult.Outcome.CANCELLED ? "CANCELLED" : "COMPLETED",
                    result.totals(), result.exports(), "", attempt));
        });
    }

    private void reportFailure(String jobId, long fence, String workflow, int attempt, String error) {
        progress.send(jobId, fence, new Payload.WorkflowFinished(workflow, identity.id(), "FAILED",
                new WorkflowWindow(workflow, 0, 0, 0, 0, 0, List.of()), Map.of(), error, attempt));
    }

    private static String key(String jobId, String workflow, int attempt) {
        return jobId + "/" + workflow + "#" + attempt;
    }
}
