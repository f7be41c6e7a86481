package io.stampede.gate.api;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.stampede.gate.jobs.JobEvent;
import io.stampede.gate.jobs.JobView;
import io.stampede.model.stats.JobSeries;
import io.stampede.model.stats.Thresholds;
import io.stampede.model.stats.WorkflowReport;

/**
 * For a native image of a gate: what the jobs API writes as JSON inside a {@code Response}, whose
 * entity type Quarkus cannot see when it builds the image (the job's view, its series, the
 * thresholds' verdicts, its timeline).
 */
@RegisterForReflection(targets = {JobView.class, JobEvent.class, JobsResource.SeriesView.class, JobsResource.Submitted.class,
    JobsResource.JobPage.class, JobSeries.Series.class, Thresholds.Verdict.class, WorkflowReport.class},
        ignoreNested = false, registerFullHierarchy = true)
final class NativeRegistrations {

    private NativeRegistrations() {
    }
}
