package io.stampede.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import io.stampede.model.Topics;
import io.stampede.model.job.JobSpecParser;
import io.stampede.model.wire.RecordCodec;

/** One size limit, the same everywhere: what a gate accepts fits a record, which fits every producer and topic. */
class KafkaLimitsTest {

    @Test
    void everyProducerSendsWhatEveryTopicTakesAndARecordFitsBoth() throws IOException {
        assertThat(JobSpecParser.MAX_JOB_BYTES).isLessThan(RecordCodec.MAX_RECORD_BYTES);
        assertThat(Topics.MAX_MESSAGE_BYTES).isGreaterThan(RecordCodec.MAX_RECORD_BYTES);
        assertThat(Topics.all(java.util.List.of("dc1"))).allSatisfy(topic -> assertThat(topic.configs())
                .containsEntry("max.message.bytes", Integer.toString(Topics.MAX_MESSAGE_BYTES)));
        int producers = 0;
        for (String role : new String[] {"gate", "manager", "worker"}) {
            Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(Command.HOME.resolve(Path.of(role,
                    "src/main/resources/application.properties")))) {
                properties.load(reader);
            }
            for (String key : properties.stringPropertyNames()) {
                if (key.startsWith("mp.messaging.outgoing.") && key.endsWith(".connector")) {
                    String channel = key.substring(0, key.length() - ".connector".length());
                    assertThat(properties.getProperty(channel + ".max.request.size")).as(role + " " + channel)
                            .isEqualTo(Integer.toString(Topics.MAX_MESSAGE_BYTES));
                    producers++;
                }
            }
        }
        assertThat(producers).isEqualTo(4);
    }
}
