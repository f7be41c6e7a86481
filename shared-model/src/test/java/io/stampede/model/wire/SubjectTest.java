package io.stampede.model.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.stampede.model.JobId;

class SubjectTest {

    @Test
    void everyKindRoundTripsThroughItsWireForm() {
        for (Subject subject : List.of(Subject.job(JobId.of("job-0a1b2c3d4e5f")), new Subject.Node("worker-dc1-1"),
                new Subject.Datacenter("dc-a"))) {
            assertThat(Subject.parse(subject.wire())).contains(subject);
        }
        assertThat(new Subject.Node("worker-1").wire()).isEqualTo("node/worker-1");
        assertThat(Subject.job(JobId.of("job-1")).key()).isEqualTo("job-1");
    }

    @Test
    void anythingElseIsNoSubject() {
        for (String text : new String[] {null, "", "job", "job/", "/job-1", "job-1", "planet/mars", "job/a b",
            "job/../x"}) {
            assertThat(Subject.parse(text)).as(String.valueOf(text)).isEmpty();
        }
    }

    @Test
    void aRecordIsAboutTheKindOfSubjectItsTypeSays() {
        Payload heartbeat = new Payload.WorkerHeartbeat("worker-1", "dc1", 2, 2, "0.1.0", 1_700_000_000_000L);
        assertThatThrownBy(() -> Envelope.of(Subject.job(JobId.of("job-1")), "worker-1", 0, 1, 0, heartbeat))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("about a node");
        Envelope aboutNode = Envelope.of(new Subject.Node("worker-1"), "worker-1", 0, 1, 0, heartbeat);
        assertThat(aboutNode.aboutJob()).isFalse();
        assertThatThrownBy(aboutNode::jobId).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void jobIdsAreSafeInUrlsKeysAndFileNames() {
        assertThat(JobId.parse("job-0a1b")).contains(JobId.of("job-0a1b"));
        assertThat(JobId.parse("../etc/passwd")).isEmpty();
        assertThat(JobId.parse("a".repeat(129))).isEmpty();
        assertThat(JobId.random(new java.util.SplittableRandom(7)).value()).matches("job-[0-9a-f]{12}");
    }
}
