package io.stampede.gate.jobs;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.stampede.gate.routing.RoutingDecision;
import io.stampede.model.lifecycle.DatacenterJobStatus;
import io.stampede.model.load.Backpressure;
import io.stampede.model.load.Extensions;
import io.stampede.model.lifecycle.JobStatus;
import io.stampede.model.lifecycle.WorkflowState;
import io.stampede.model.stats.Thresholds;
import io.stampede.model.stats.Unaccounted;
import io.stampede.model.stats.WorkflowReport;

/**
 * A job as {@code GET /api/v1/jobs/{id}} shows it: status, each datacenter's status and
 * workflow states, and the statistics merged over every datacenter (per datacenter too). Any
 * gate answers for any job; {@code owner} is the gate that publishes its result. {@code unaccounted}
 * is there only when a worker was lost: the most requests lost workers may have sent unreported.
 * {@code routing} says why the job went to its datacenters (docs/routing.md). {@code thresholds}
 * holds each threshold's verdict, the gate's default among them (docs/job-spec.md#thresholds):
 * live while the job runs, final once it has ended. {@code events} is the job's timeline
 * ({@link JobEvent}), in the full view only.
 */
public record JobView(String id, String name, JobStatus status, Instant submittedAt, Map<String, DatacenterPart> datacenters,
        List<WorkflowReport> workflows, Map<String, String> errors, String owner,
        @JsonInclude(JsonInclude.Include.NON_NULL) Unaccounted unaccounted,
        @JsonInclude(JsonInclude.Include.NON_NULL) RoutingDecision routing,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Thresholds.Verdict> thresholds,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<JobEvent> events) {

    public JobView {
        // Left out of the JSON when empty: read back (a finished job's kept view), none.
        thresholds = thresholds == null ? List.of() : thresholds;
        events = events == null ? List.of() : events;
    }

    /**
     * One datacenter's part of the job. {@code backpressure} is what its manager asks its workers
     * for now (NONE: a window a second; THROTTLE, BATCH, REJECT: merged windows of 2, 5, 10 s) and
     * {@code strongestBackpressure} the most it asked for during the job. {@code extensions} is the
     * extra time its manager granted slow shares before the job's timeout.
     */
    public record DatacenterPart(DatacenterJobStatus status, Map<String, WorkflowState> workflows,
            List<WorkflowReport> statistics, Backpressure backpressure, Backpressure strongestBackpressure,
            Extensions extensions) {
    }

    public static JobView of(GlobalJob job, boolean withStatistics) {
        Map<String, DatacenterPart> parts = new LinkedHashMap<>();
        for (String dc : job.datacenters()) {
            parts.put(dc, new DatacenterPart(job.datacenterStatus().get(dc), job.workflowStates().getOrDefault(dc, Map.of()),
                    withStatistics ? job.reports(dc) : List.of(), job.backpressure(dc), job.strongestBackpressure(dc),
                    job.extensions(dc)));
        }
        List<WorkflowReport> workflows = withStatistics ? job.reports() : List.of();
        return new JobView(job.id().value(), job.name(), job.status(), job.submittedAt(), parts, workflows, job.errors(),
                job.owner(), job.unaccounted().any() ? job.unaccounted() : null, job.routing(),
                withStatistics ? job.verdicts() : List.of(), withStatistics ? job.events() : List.of());
    }
}
