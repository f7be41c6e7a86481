package io.stampede.gate.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.stampede.model.load.Priority;

class AdmissionTest {

    @ParameterizedTest(name = "{0} {1} → {2}")
    @CsvSource({
        "POST,   /api/v1/jobs,             SUBMIT, HIGH",
        "GET,    /api/v1/jobs,             LIST,   LOW",
        "GET,    /api/v1/jobs/,            LIST,   LOW",
        "GET,    /api/v1/jobs/job-1,       READ,   NORMAL",
        "GET,    /api/v1/jobs/job-1/events, WATCH, NORMAL",
        "DELETE, /api/v1/jobs/job-1,       CANCEL, CRITICAL",
        "GET,    /api/v1/datacenters,      READ,   NORMAL",
        "GET,    /api/v1/cluster,          STATUS, NORMAL",
        "GET,    /api/v1/node,             STATUS, NORMAL",
    })
    void eachRequestHasAnOperationAndPriority(String method, String path, Operation operation, Priority priority) {
        assertThat(Operation.of(method, path)).contains(operation);
        assertThat(operation.priority()).isEqualTo(priority);
    }

    @ParameterizedTest(name = "{0} is not the API")
    @CsvSource({ "/q/health/live", "/q/health/ready", "/q/metrics", "/q/openapi", "/" })
    void healthAndMetricsAreNeverLimited(String path) {
        assertThat(Operation.of("GET", path)).isEmpty();
    }

    @Test
    void eventStreamsAreBoundedPerClientAndInAll() {
        EventStreams streams = new EventStreams(3, 2);
        assertThat(streams.open("a")).isEmpty();
        assertThat(streams.open("a")).isEmpty();
        assertThat(streams.open("a")).contains(EventStreams.Refusal.CLIENT_LIMIT);
        assertThat(streams.open("b")).isEmpty();
        assertThat(streams.open("c")).contains(EventStreams.Refusal.GATE_LIMIT);
        streams.close("a");
        assertThat(streams.open("c")).isEqualTo(Optional.empty());
        assertThat(streams.open()).isEqualTo(3);
        assertThatThrownBy(() -> streams.close("nobody")).isInstanceOf(IllegalStateException.class);
    }
}
