package io.stampede.worker.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.stampede.model.job.JobSpec;
import io.stampede.model.job.JobSpecParser;
import io.stampede.testkit.KafkaBrokerResource;
import io.stampede.testkit.TargetServer;
import io.stampede.worker.engine.LoadEngine;
import io.stampede.worker.engine.WorkflowResult;
import io.stampede.worker.engine.WorkflowShare;

/** The worker process has one engine, on its own Vert.x, able to run a workflow. */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerResource.class)
class WorkerEngineTest {

    @Inject
    LoadEngine engine;

    @Test
    void theWorkersEngineRunsAWorkflowOnNativeTransport() {
        try (TargetServer server = TargetServer.start()) {
            JobSpec job = JobSpecParser.parse("""
                    name: wiring
                    workflows:
                      - name: w
                        vus: 4
                        iterations: 5
                        steps: [{name: ok, request: {url: "%s"}, checks: [{status: 200}]}]
                    """.formatted(server.url("/ok")));

            WorkflowResult result = engine.start(WorkflowShare.whole(job.workflows().get(0), Map.of()), window -> { })
                    .completion().join();

            assertThat(result.totals().steps().get(0).successes()).isEqualTo(20);
            assertThat(server.requests()).isEqualTo(20);
            assertThat(engine.nativeTransport()).isTrue();
        }
    }
}
