package io.stampede.gate.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.stampede.testkit.KafkaBrokerResource;

/**
 * docs/openapi.yaml is what the gate serves. When the API changes, run the test with
 * {@code -Dupdate-openapi=true} to rewrite the document, and commit it.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerResource.class)
class OpenApiDocumentTest {

    private static final Path DOCUMENT = Path.of("../docs/openapi.yaml");

    @Test
    void theDocumentedApiIsTheServedApi() throws Exception {
        String served = given().queryParam("format", "yaml").get("/q/openapi").then().statusCode(200)
                .extract().asString();
        assertThat(served).contains("/api/v1/jobs", "/api/v1/jobs/{id}/events", "/api/v1/datacenters");
        if (Boolean.getBoolean("update-openapi") || !Files.exists(DOCUMENT)) {
            Files.writeString(DOCUMENT, served);
        }
        assertThat(Files.readString(DOCUMENT)).as("docs/openapi.yaml is out of date: run `mvn -pl gate test"
                + " -Dtest=OpenApiDocumentTest -Dupdate-openapi=true` and commit it").isEqualTo(served);
    }
}
