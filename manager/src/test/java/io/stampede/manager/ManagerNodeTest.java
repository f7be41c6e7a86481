package io.stampede.manager;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.stampede.model.NodeRole;
import io.stampede.testkit.KafkaBrokerResource;
import io.stampede.testkit.NodeEndpointsContract;

@QuarkusTest
@QuarkusTestResource(KafkaBrokerResource.class)
class ManagerNodeTest extends NodeEndpointsContract {

    ManagerNodeTest() {
        super(NodeRole.MANAGER, "manager-test");
    }
}
