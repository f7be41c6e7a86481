package io.stampede.cli.gate;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.stampede.cli.ExitCodes;
import io.stampede.model.Topics;
import io.stampede.model.lifecycle.DatacenterJobStatus;
import io.stampede.model.lifecycle.JobStatus;
import io.stampede.model.lifecycle.WorkflowState;
import io.stampede.model.stats.JobStatistics;
import io.stampede.model.stats.Unaccounted;
import io.stampede.model.wire.Payload;
import io.stampede.model.security.KafkaSecurity;
import io.stampede.model.security.RecordSigning;
import io.stampede.model.wire.RecordCodec;
import io.stampede.model.wire.ReplayFilter;

/**
 * {@code watch --kafka}: follows one job from its records on {@code stampede.jobs.events}, with
 * no gate. The records go into the same {@link JobStatistics} a gate keeps, and are shown as the
 * same job view, so the live lines and the final table are those of {@code watch}.
 */
final class KafkaWatch {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String id;
    private final JobStatistics statistics = JobStatistics.learning();
    private final ReplayFilter replays = new ReplayFilter();
    private final Map<String, DatacenterJobStatus> datacenterStatus = new LinkedHashMap<>();
    private final Map<String, Map<String, WorkflowState>> states = new LinkedHashMap<>();
    private final Map<String, String> errors = new LinkedHashMap<>();
    private Unaccounted unaccounted = Unaccounted.NONE;
    private JobStatus status = JobStatus.SUBMITTED;

    /** What to add to a message about silence when records about the job were refused. */
    private static String refusedNote(long refused) {
        return refused == 0 ? "" : "; " + refused + " record" + (refused == 1 ? " was" : "s were") + " refused: not"
                + " signed with the record key this command has (STAMPEDE_SECURITY_RECORD_KEY, or the local cluster's),"
                + " or not by a role, or a node, that writes them";
    }

    private KafkaWatch(String id) {
        this.id = id;
    }

    /**
     * Follows the job to its end and returns the exit code. With no record about the job within
     * {@code wait}, there is no such job (or it has not started anywhere yet); with none for
     * {@code wait} after that, the job's datacenters have gone quiet (a running job reports every
     * second): either way it says so and returns instead of waiting for ever.
     */
    static int follow(String bootstrap, KafkaSecurity security, RecordSigning signing, String id, Duration wait,
            PrintWriter out, PrintWriter err) {
        KafkaWatch watch = new KafkaWatch(id);
        long started = System.nanoTime();
        long deadline = started + wait.toNanos();
        Progress progress = new Progress(out, Progress.terminal(), false, Map.of(), System::nanoTime);
        long lastHeard = 0;
        boolean heard = false;
        long refused = 0;
        Properties properties = new Properties();
        properties.putAll(security.clientProperties());
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        properties.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Duration.ofSeconds(10).toMillis());
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(properties, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.JOB_EVENTS, Duration.ofSeconds(10)).stream()
                    .map(info -> new TopicPartition(Topics.JOB_EVENTS, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (true) {
                if (!heard && System.nanoTime() > deadline) {
                    err.println("stampede watch: No such job: no record about " + id + " on " + Topics.JOB_EVENTS
                            + " within " + wait.toSeconds() + " s (is the id right? --wait waits longer)"
                            + refusedNote(refused));
                    return ExitCodes.FAILURE;
                }
                if (heard && System.nanoTime() - lastHeard > wait.toNanos()) {
                    err.println("stampede watch: nothing heard about " + id + " on " + Topics.JOB_EVENTS + " for "
                            + wait.toSeconds() + " s; its datacenters may be down (`stampede status " + id
                            + "` asks a gate; --wait waits longer)" + refusedNote(refused));
                    return ExitCodes.FAILURE;
                }
                boolean changed = false;
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (!id.equals(record.key())) {
                        continue;
                    }
                    if (signing.check(record.topic(), record.key(), record.value(), name -> {
                        Header header = record.headers().lastHeader(name);
                        return header == null ? null : header.value();
                    }).isPresent()) {
                        refused++;
                        continue;
                    }
                    if (!(RecordCodec.decode(record.value()) instanceof RecordCodec.Accepted accepted)) {
                        continue;
                    }
                    heard = true;
                    lastHeard = System.nanoTime();
                    // As a gate does: a record delivered twice, or from a deposed leader, counts once or not at all.
                    if (watch.replays.offer(accepted.envelope()) == ReplayFilter.Verdict.ACCEPTED) {
                        changed |= watch.apply(accepted.envelope().payload());
                    }
                }
                if (changed) {
                    progress.update(watch.view());
                }
                if (watch.status.terminal()) {
                    progress.end();
                    return Reports.printOutcome(watch.view(), out);
                }
            }
        } catch (TimeoutException e) {
            err.println("stampede watch: cannot reach Kafka at " + bootstrap + ": " + e.getMessage());
            return ExitCodes.FAILURE;
        }
    }

    /** Takes one record in; returns whether it changed what is shown. */
    private boolean apply(Payload payload) {
        if (payload instanceof Payload.DatacenterProgress progress) {
            statistics.onProgress(progress.datacenter(), progress.windows());
            states.put(progress.datacenter(), progress.states());
            DatacenterJobStatus known = datacenterStatus.get(progress.datacenter());
            if (known == null || !known.terminal()) {
                datacenterStatus.put(progress.datacenter(), progress.queued() ? DatacenterJobStatus.QUEUED
                        : DatacenterJobStatus.RUNNING);
            }
            if (status == JobStatus.SUBMITTED && !progress.queued()) {
                status = JobStatus.RUNNING;
            }
            return true;
        }
        if (payload instanceof Payload.DatacenterFinished finished) {
            statistics.onFinished(finished.datacenter(), finished.totals());
            states.put(finished.datacenter(), finished.states());
            datacenterStatus.put(finished.datacenter(), finished.status());
            finished.errors().forEach((workflow, error) -> errors.put(finished.datacenter() + "/" + workflow, error));
            unaccounted = unaccounted.plus(finished.unaccounted());
            return true;
        }
        if (payload instanceof Payload.JobFinished finished) {
            status = finished.status();
            datacenterStatus.putAll(finished.datacenters());
            errors.putAll(finished.errors());
            return false;
        }
        return false;
    }

    /** The job as {@code GET /api/v1/jobs/{id}} shows it, as far as the records tell. */
    private JsonNode view() {
        ObjectNode job = JSON.createObjectNode();
        job.put("id", id);
        job.put("name", "");
        job.put("status", status.name());
        ObjectNode datacenters = job.putObject("datacenters");
        datacenterStatus.forEach((dc, dcStatus) -> {
            ObjectNode part = datacenters.putObject(dc);
            part.put("status", dcStatus.name());
            part.set("workflows", JSON.valueToTree(states.getOrDefault(dc, Map.of())));
            part.set("statistics", JSON.valueToTree(statistics.reports(dc, states.getOrDefault(dc, Map.of()))));
        });
        job.set("workflows", JSON.valueToTree(statistics.reports(states)));
        job.set("errors", JSON.valueToTree(errors));
        if (unaccounted.any()) {
            job.set("unaccounted", JSON.valueToTree(unaccounted));
        }
        return job;
    }
}
