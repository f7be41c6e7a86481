package io.stampede.worker;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.stampede.model.NodeRole;
import io.stampede.testkit.KafkaBrokerResource;
import io.stampede.testkit.NodeEndpointsContract;

@QuarkusTest
@QuarkusTestResource(KafkaBrokerResource.class)
class WorkerNodeTest extends NodeEndpointsContract {

    WorkerNodeTest() {
        super(NodeRole.WORKER, "worker-test");
    }
}
