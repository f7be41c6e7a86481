package io.stampede.testkit;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;

import org.junit.jupiter.api.Test;

import io.stampede.model.NodeRole;
import io.stampede.model.Stampede;

/**
 * What every node serves, checked once per service: the node API, health (ready only with a
 * reachable broker) and Prometheus metrics tagged with the node. A service's test extends this as a
 * {@code @QuarkusTest} on the shared broker ({@link KafkaBrokerResource}).
 */
public abstract class NodeEndpointsContract {

    private final NodeRole role;
    private final String nodeId;

    protected NodeEndpointsContract(NodeRole role, String nodeId) {
        this.role = role;
        this.nodeId = nodeId;
    }

    @Test
    void nodeApiSaysWhoTheNodeIs() {
        given().when().get("/api/v1/node").then()
                .statusCode(200)
                .body("id", equalTo(nodeId))
                .body("role", equalTo(role.label()))
                .body("version", equalTo(Stampede.VERSION))
                .body("uptimeSeconds", greaterThanOrEqualTo(0))
                .body("uptime", notNullValue())
                .body("pid", equalTo((int) ProcessHandle.current().pid()))
                .body("ports.http", notNullValue())
                .body("kafkaBootstrapServers", equalTo(SharedKafka.bootstrapServers()));
    }

    @Test
    void clusterApiListsThisNodeAsAnAliveMember() {
        given().when().get("/api/v1/cluster").then()
                .statusCode(200)
                .body("cluster", startsWith("stampede/"))
                .body("self", equalTo(nodeId))
                .body("localHealth", equalTo(0))
                .body("members[0].id", equalTo(nodeId))
                .body("members[0].state", equalTo("alive"))
                .body("members[0].role", equalTo(role.label()))
                .body("members[0].address", startsWith("127.0.0.1:"))
                .body("droppedDatagrams.malformed", equalTo(0));
        given().when().get("/q/metrics").then()
                .statusCode(200)
                .body(containsString("stampede_membership_members{"))
                .body(containsString("state=\"alive\""))
                .body(containsString("stampede_membership_datagrams_dropped_total{"));
    }

    @Test
    void isLiveAndReadyWithTheBrokerReachable() {
        given().when().get("/q/health/live").then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItem("node"));
        // Whether the node is ready as a whole is its role's business (a gate without a datacenter
        // is not); the broker and the node's load are every node's.
        given().when().get("/q/health/ready").then()
                .body("checks.find { it.name == 'kafka' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'load' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'kafka' }.data.brokers", equalTo(1));
    }

    @Test
    void metricsAreTaggedWithTheNode() {
        given().when().get("/q/metrics").then()
                .statusCode(200)
                .body(containsString("stampede_node_info{"))
                .body(containsString("node=\"" + nodeId + "\""))
                .body(containsString("role=\"" + role.label() + "\""));
    }
}
