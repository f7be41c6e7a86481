package io.stampede.cli.gate;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.stampede.model.job.JobSpecParser;

class DemoJobTest {

    @Test
    void theDemoJobIsValidWithItsThresholds() {
        var job = JobSpecParser.parse(DemoCommand.JOB.formatted("http://127.0.0.1:1"));

        assertThat(job.workflows()).hasSize(2);
        assertThat(job.thresholds()).extracting(io.stampede.model.job.Threshold::describe)
                .containsExactly("p99 below 1000ms (browse)", "errorRate below 1% (job)");
    }
}
