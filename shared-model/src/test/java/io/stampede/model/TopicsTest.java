package io.stampede.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class TopicsTest {

    @Test
    void namesEveryTopicOfEachDatacenterAndTheSharedOnes() {
        List<Topics.TopicSpec> topics = Topics.all(List.of("dc1", "eu-west"));

        assertThat(topics).extracting(Topics.TopicSpec::name).containsExactly(
                "stampede.dc.dc1.jobs", "stampede.dc.dc1.dispatch", "stampede.dc.dc1.progress",
                "stampede.dc.eu-west.jobs", "stampede.dc.eu-west.dispatch", "stampede.dc.eu-west.progress",
                "stampede.jobs.events", "stampede.jobs.results", "stampede.deadletter");
        // Followers keep each job's state from the others, so only the finished jobs' results are compacted.
        assertThat(topics).filteredOn(Topics.TopicSpec::compacted).extracting(Topics.TopicSpec::name)
                .containsExactly("stampede.jobs.results");
        assertThat(new Topics.TopicSpec(Topics.JOB_RESULTS, true).configs()).containsEntry("cleanup.policy", "compact,delete")
                .containsEntry("retention.ms", "604800000");
    }

    @Test
    void refusesDatacenterNamesThatWouldMakeBadTopicNames() {
        assertThatThrownBy(() -> Topics.jobs("EU West"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'EU West' is not a datacenter name");
        assertThat(DatacenterName.problem("")).contains("must not be empty");
        assertThat(DatacenterName.problem("-dc")).isPresent();
        assertThat(DatacenterName.problem("a".repeat(41))).isPresent();
        assertThat(DatacenterName.problem("dc-2")).isEmpty();
    }

    @Test
    void versionComesFromTheBuild() {
        assertThat(Stampede.VERSION).isNotBlank().doesNotContain("${");
    }
}
