package io.stampede.gate.jobs;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.stampede.model.JobId;
import io.stampede.model.Topics;
import io.stampede.model.job.WorkflowSpec;
import io.stampede.model.lifecycle.DatacenterJobStatus;
import io.stampede.model.lifecycle.JobStatus;
import io.stampede.model.stats.JobSeries;
import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.Payload;
import io.stampede.model.wire.RecordCodec;
import io.stampede.model.wire.Subject;
import io.stampede.node.config.NodeIdentity;
import io.stampede.node.messaging.RecordInbox;

/**
 * Finished jobs' results on the compacted {@link Topics#JOB_RESULTS} topic: a job's owner sends
 * them there once its series has settled ({@link #archive}), and every gate reads the whole topic
 * from its start into an index of where each job's record is, so that it serves a finished job it
 * no longer holds in memory (its retention passed, or the gate restarted) by reading that one record
 * ({@link #find}). The index holds at most {@value #MAX_INDEXED} jobs, the newest; the last
 * {@value #CACHED} records read are kept decoded.
 */
@Singleton
public class ArchivedJobs {

    private static final Logger LOG = Logger.getLogger(ArchivedJobs.class);

    /**
     * The most bytes a job's results take as JSON: room under the record limit
     * ({@link RecordCodec#MAX_RECORD_BYTES}, 8 MiB) for the envelope. A series that would not fit is
     * kept coarser, each step doubling its points' length.
     */
    static final int MAX_ARCHIVE_BYTES = 6 * 1024 * 1024;
    /** The coarsest a kept series gets: a point an hour. Beyond it, the series is left out. */
    static final long MAX_RESOLUTION_MILLIS = 3_600_000;
    /** The most finished jobs a gate indexes; the oldest are forgotten first. */
    static final int MAX_INDEXED = 100_000;
    /** How many decoded records a gate keeps for the next reads. */
    static final int CACHED = 8;
    /** How long reading one job's record may take before the request is answered 503. */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
    /** How long to wait before looking for the topic again, or reading again after Kafka failed. */
    private static final Duration RETRY = Duration.ofSeconds(10);

    /** Where a finished job's record is, and what a listing shows of the job. */
    record Entry(JobId id, int partition, long offset, String name, JobStatus status, long submittedAtMillis,
            Map<String, DatacenterJobStatus> datacenters) {
    }

    /** A finished job's results cannot be read now: the index is still being read, or Kafka did not answer. */
    public static final class Unavailable extends RuntimeException {
        Unavailable(String message) {
            super(message, null, false, false);
        }
    }

    private final String bootstrapServers;
    private final String clientId;
    private final RecordInbox inbox;
    private final ObjectMapper json;
    /** Guarded by this. */
    private final LinkedHashMap<JobId, Entry> index = new LinkedHashMap<>();
    /** Guarded by this; in access order. */
    private final LinkedHashMap<JobId, Payload.JobArchived> cache = new LinkedHashMap<>(16, 0.75f, true);
    private final Object fetching = new Object();
    /** Guarded by {@link #fetching}. */
    private KafkaConsumer<String, byte[]> fetcher;
    private final ExecutorService archiver = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "gate-archive");
        thread.setDaemon(true);
        return thread;
    });
    private volatile boolean running;
    private volatile boolean caughtUp;
    private volatile KafkaConsumer<String, byte[]> indexer;
    private Thread reader;
    private boolean forgetting;

    public ArchivedJobs(NodeIdentity identity, RecordInbox inbox, ObjectMapper json) {
        this.bootstrapServers = identity.settings().kafkaBootstrapServers();
        this.clientId = "stampede-" + identity.id() + "-results";
        this.inbox = inbox;
        this.json = json;
    }

    void start(@Observes StartupEvent event) {
        running = true;
        reader = new Thread(this::readIndex, "gate-results-index");
        reader.setDaemon(true);
        reader.start();
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        running = false;
        KafkaConsumer<String, byte[]> consumer = indexer;
        if (consumer != null) {
            consumer.wakeup();
        }
        if (reader != null) {
            reader.interrupt();
            reader.join(TimeUnit.SECONDS.toMillis(10));
        }
        archiver.shutdownNow();
        synchronized (fetching) {
            if (fetcher != null) {
                fetcher.close(Duration.ofSeconds(5));
                fetcher = null;
            }
        }
    }

    /** What a job's results are made of, copied under the jobs' lock and turned into a record outside it. */
    public record Source(JobId id, long fence, String name, JobStatus status, long submittedAtMillis,
            long endedAtMillis, List<String> datacenters, List<String> workflows, JobView view, JobSeries series,
            Map<String, WorkflowSpec.Open> schedules, Map<String, Map<String, Double>> shares, String seriesGap) {

        /**
         * @param settled whether the series has settled; when not (the job is released sooner, its
         *                retention being shorter than the settling), the series says it may lack a
         *                datacenter's last windows
         */
        static Source of(GlobalJob job, long fence, boolean settled) {
            String gap = job.seriesGap();
            if (!settled) {
                gap = (gap.isEmpty() ? "" : gap + "; ") + "kept before the series settled (stampede.jobs.retention is"
                        + " shorter than " + GlobalJob.SETTLING_MILLIS / 1000 + " s): a datacenter's last windows may be"
                        + " missing";
            }
            return new Source(job.id(), fence, job.name(), job.status(), job.submittedAt().toEpochMilli(),
                    job.endedAtMillis(), job.datacenters(), job.workflows(), JobView.of(job, true),
                    job.seriesCopy(Optional.empty()), job.schedules(), job.shares(), gap);
        }
    }

    /**
     * Builds the job's record and sends it with {@code send}, on this gate's archiving thread;
     * runs {@code failed} when it could not be built or sent.
     */
    void archive(Source source, Function<Payload.JobArchived, CompletionStage<Void>> send, Runnable failed) {
        archiver.execute(() -> {
            try {
                Optional<Payload.JobArchived> built = build(source, json, MAX_ARCHIVE_BYTES);
                if (built.isEmpty()) {
                    return; // said why
                }
                send.apply(built.get()).whenComplete((ignored, failure) -> {
                    if (failure != null) {
                        LOG.warnf("job %s: its results could not be sent to %s (%s); trying again", source.id(),
                                Topics.JOB_RESULTS, failure.getMessage());
                        failed.run();
                    } else {
                        LOG.debugf("job %s: results kept on %s", source.id(), Topics.JOB_RESULTS);
                    }
                });
            } catch (RuntimeException e) {
                LOG.warnf(e, "job %s: its results could not be kept", source.id());
                failed.run();
            }
        });
    }

    /**
     * The job's record: its final view and each workflow's series, every datacenter merged and each
     * datacenter, at one resolution, the finest at which they fit in {@code maxBytes} (the series
     * left out when even a point an hour does not); empty, said why, when the view alone does not.
     */
    static Optional<Payload.JobArchived> build(Source source, ObjectMapper json, int maxBytes) {
        JsonNode view = json.valueToTree(source.view());
        int viewBytes = bytes(json, view);
        if (viewBytes > maxBytes) {
            LOG.warnf("job %s: its results are not kept: its view alone takes %d KiB, more than a record's %d KiB",
                    source.id(), viewBytes / 1024, maxBytes / 1024);
            return Optional.empty();
        }
        long kept = render(source, 1000, List.of(JobSeries.ALL)).stream().mapToLong(JobSeries.Series::resolutionMillis)
                .max().orElse(1000);
        List<String> all = new ArrayList<>(List.of(JobSeries.ALL));
        all.addAll(source.datacenters());
        String note = source.seriesGap();
        long resolution = kept;
        while (resolution <= MAX_RESOLUTION_MILLIS) {
            List<JobSeries.Series> series = render(source, resolution, all);
            int seriesBytes = bytes(json, series);
            if (viewBytes + seriesBytes <= maxBytes) {
                return Optional.of(archived(source, view, resolution, series, note));
            }
            note = joined(source.seriesGap(), "the series is kept coarser than the job's " + kept / 1000 + " s a point: at"
                    + " that, it did not fit in a record of " + maxBytes / 1024 + " KiB");
            // Points shrink with the resolution: straight to the power of two that should fit.
            long room = Math.max(1, maxBytes - viewBytes);
            resolution *= nextPowerOfTwo((seriesBytes + room - 1) / room);
        }
        return Optional.of(archived(source, view, kept, List.of(), "the series is not kept: even at a point an hour,"
                + " it did not fit in a record of " + maxBytes / 1024 + " KiB"));
    }

    /** The least power of two at least {@code n}, and at least 2. */
    static long nextPowerOfTwo(long n) {
        return n <= 2 ? 2 : Long.highestOneBit(n - 1) << 1;
    }

    private static String joined(String first, String second) {
        return first.isEmpty() ? second : first + "; " + second;
    }

    /**
     * The kept series of one datacenter ({@link JobSeries#ALL} for every one merged), of each workflow
     * or only {@code workflow}, with only {@code step}'s figures when one is named, and only the
     * points that end after {@code sinceMillis}: as {@link JobSeries#series} answers for a job held.
     */
    public static List<JobSeries.Series> series(Payload.JobArchived archived, Optional<String> workflow,
            Optional<String> step, String datacenter, long sinceMillis) {
        return archived.series().stream()
                .filter(series -> series.datacenter().equals(datacenter)
                        && workflow.map(series.workflow()::equals).orElse(true))
                .map(series -> new JobSeries.Series(series.workflow(), series.datacenter(), series.resolutionMillis(),
                        series.points().stream()
                                .filter(point -> point.startMillis() + series.resolutionMillis() > sinceMillis)
                                .map(point -> step.isEmpty() ? point : new JobSeries.Point(point.startMillis(),
                                        point.seconds(), point.iterations(), point.iterationsPerSecond(),
                                        point.droppedIterations(), point.droppedPerSecond(), point.activeVus(),
                                        point.targetRate(), point.steps().stream()
                                                .filter(figures -> figures.step().equals(step.get())).toList()))
                                .toList()))
                .toList();
    }

    private static Payload.JobArchived archived(Source source, JsonNode view, long resolution,
            List<JobSeries.Series> series, String note) {
        return new Payload.JobArchived(source.name(), source.status(), source.submittedAtMillis(), source.endedAtMillis(),
                source.datacenters(), source.workflows(), view, resolution, series, note);
    }

    private static List<JobSeries.Series> render(Source source, long resolution, List<String> datacenters) {
        List<JobSeries.Series> out = new ArrayList<>();
        for (String datacenter : datacenters) {
            out.addAll(source.series().series(Optional.empty(), Optional.empty(), datacenter, resolution, 0,
                    source.schedules(), source.shares()));
        }
        return out;
    }

    private static int bytes(ObjectMapper json, Object value) {
        try {
            return json.writeValueAsBytes(value).length;
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A finished job's results from the results topic, or empty when it has none (it never existed,
     * did not end while a gate followed it, or its retention passed). Reads Kafka: never call it
     * under the jobs' lock.
     *
     * @throws Unavailable while this gate is still reading the topic's index, or when the record
     *                     could not be read within {@link #READ_TIMEOUT}
     */
    public Optional<Payload.JobArchived> find(String jobId) {
        Optional<JobId> parsed = JobId.parse(jobId);
        if (parsed.isEmpty()) {
            return Optional.empty();
        }
        JobId id = parsed.get();
        Entry entry;
        synchronized (this) {
            Payload.JobArchived cached = cache.get(id);
            if (cached != null) {
                return Optional.of(cached);
            }
            entry = index.get(id);
        }
        if (entry == null) {
            if (!caughtUp) {
                throw new Unavailable("this gate is still reading the finished jobs' results from " + Topics.JOB_RESULTS);
            }
            return Optional.empty();
        }
        Optional<Payload.JobArchived> read = fetch(entry);
        read.ifPresent(archived -> {
            synchronized (this) {
                cache.put(id, archived);
                while (cache.size() > CACHED) {
                    cache.remove(cache.keySet().iterator().next());
                }
            }
        });
        return read;
    }

    /** The job's final view as it was archived, read as the API's {@link JobView}. */
    public JobView view(Payload.JobArchived archived) {
        return view(json, archived);
    }

    static JobView view(ObjectMapper json, Payload.JobArchived archived) {
        try {
            return json.treeToValue(archived.view(), JobView.class);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("a job's archived view cannot be read", e);
        }
    }

    /**
     * The indexed jobs whose status {@code wanted} accepts and which are not in {@code except}, newest
     * submission first, as a listing shows them: name, status, submission and each datacenter's status.
     */
    public List<JobView> listed(Predicate<JobStatus> wanted, Set<String> except) {
        List<Entry> entries;
        synchronized (this) {
            entries = index.values().stream().filter(entry -> wanted.test(entry.status())
                    && !except.contains(entry.id().value())).toList();
        }
        List<Entry> newestFirst = new ArrayList<>(entries);
        newestFirst.sort((a, b) -> Long.compare(b.submittedAtMillis(), a.submittedAtMillis()));
        return newestFirst.stream().map(ArchivedJobs::summary).toList();
    }

    private static JobView summary(Entry entry) {
        Map<String, JobView.DatacenterPart> parts = new LinkedHashMap<>();
        entry.datacenters().forEach((dc, status) -> parts.put(dc, new JobView.DatacenterPart(status, Map.of(), List.of(),
                null, null, null)));
        return new JobView(entry.id().value(), entry.name(), entry.status(), Instant.ofEpochMilli(entry.submittedAtMillis()),
                parts, List.of(), Map.of(), "", null, null, List.of(), List.of());
    }

    /** How many finished jobs this gate has indexed. */
    public synchronized int indexed() {
        return index.size();
    }

    /** Whether this gate has read the results topic up to where it ended when the gate started. */
    public boolean caughtUp() {
        return caughtUp;
    }

    private void readIndex() {
        boolean missingSaid = false;
        while (running) {
            try (KafkaConsumer<String, byte[]> consumer = consumer("index")) {
                indexer = consumer;
                List<PartitionInfo> infos = consumer.partitionsFor(Topics.JOB_RESULTS, Duration.ofSeconds(10));
                if (infos == null || infos.isEmpty()) {
                    if (!missingSaid) {
                        LOG.warnf("there is no topic %s: finished jobs are served only while this gate holds them"
                                + " (create it as docs/deployment.md says); looking again every %d s", Topics.JOB_RESULTS,
                                RETRY.toSeconds());
                        missingSaid = true;
                    }
                    caughtUp = true;
                    pause();
                    continue;
                }
                List<TopicPartition> partitions = infos.stream()
                        .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(10));
                while (running) {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofSeconds(1))) {
                        inbox.apply(record, () -> index(record));
                    }
                    if (!caughtUp && ends.entrySet().stream().allMatch(end -> consumer.position(end.getKey()) >= end.getValue())) {
                        caughtUp = true;
                        LOG.infof("read the results of %d finished jobs from %s", indexed(), Topics.JOB_RESULTS);
                    }
                }
            } catch (WakeupException e) {
                return; // stopping
            } catch (KafkaException e) {
                if (!running) {
                    return;
                }
                LOG.warnf("reading %s failed (%s); reading it again in %d s", Topics.JOB_RESULTS, e.getMessage(),
                        RETRY.toSeconds());
                pause();
            } finally {
                indexer = null;
            }
        }
    }

    private void pause() {
        try {
            Thread.sleep(RETRY.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** Indexes one record of the results topic; what is not a job's results throws, and is counted as unapplicable. */
    private void index(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            // A tombstone: the job's results were deleted.
            JobId.parse(record.key()).ifPresent(this::forget);
            return;
        }
        Optional<Envelope> opened = inbox.open(RecordInbox.Source.of(record), record.value());
        if (opened.isEmpty()) {
            return; // counted and logged
        }
        Envelope envelope = opened.get();
        if (!(envelope.payload() instanceof Payload.JobArchived archived)
                || !(envelope.subject() instanceof Subject.Job job)) {
            throw new IllegalArgumentException("a " + envelope.type().wireName() + " record does not belong on "
                    + Topics.JOB_RESULTS);
        }
        Map<String, DatacenterJobStatus> datacenters = new LinkedHashMap<>();
        JsonNode parts = archived.view().path("datacenters");
        for (String dc : archived.datacenters()) {
            datacenters.put(dc, DatacenterJobStatus.valueOf(parts.path(dc).path("status").asText("SUBMITTED")));
        }
        Entry entry = new Entry(job.id(), record.partition(), record.offset(), archived.name(), archived.status(),
                archived.submittedAtMillis(), Map.copyOf(datacenters));
        synchronized (this) {
            index.remove(job.id()); // a newer record of the job goes to the end
            index.put(job.id(), entry);
            cache.remove(job.id());
            if (index.size() > MAX_INDEXED) {
                index.remove(index.keySet().iterator().next());
                if (!forgetting) {
                    LOG.warnf("more than %d finished jobs on %s: this gate serves the newest %d", MAX_INDEXED,
                            Topics.JOB_RESULTS, MAX_INDEXED);
                    forgetting = true;
                }
            }
        }
    }

    private synchronized void forget(JobId id) {
        index.remove(id);
        cache.remove(id);
    }

    /** Reads the record an entry points at. */
    private Optional<Payload.JobArchived> fetch(Entry entry) {
        TopicPartition partition = new TopicPartition(Topics.JOB_RESULTS, entry.partition());
        synchronized (fetching) {
            try {
                if (fetcher == null) {
                    fetcher = consumer("read");
                }
                fetcher.assign(List.of(partition));
                fetcher.seek(partition, entry.offset());
                long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
                while (System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, byte[]> record : fetcher.poll(Duration.ofMillis(500))) {
                        if (record.offset() < entry.offset()) {
                            continue;
                        }
                        if (record.offset() == entry.offset() && record.value() != null
                                && RecordCodec.decode(record.value()) instanceof RecordCodec.Accepted accepted
                                && accepted.envelope().payload() instanceof Payload.JobArchived archived) {
                            return Optional.of(archived);
                        }
                        return gone(entry); // compacted away, or not a job's results any more
                    }
                    if (fetcher.position(partition) > entry.offset()) {
                        return gone(entry); // deleted after its retention: the partition starts after it
                    }
                }
            } catch (KafkaException e) {
                if (fetcher != null) {
                    fetcher.close(Duration.ZERO);
                    fetcher = null;
                }
                throw new Unavailable("job " + entry.id() + "'s results could not be read from " + Topics.JOB_RESULTS
                        + ": " + e.getMessage());
            }
        }
        throw new Unavailable("job " + entry.id() + "'s results could not be read from " + Topics.JOB_RESULTS + " within "
                + READ_TIMEOUT.toSeconds() + " s");
    }

    /** The record an entry pointed at is gone: the job is forgotten here too. */
    private Optional<Payload.JobArchived> gone(Entry entry) {
        synchronized (this) {
            if (index.get(entry.id()) == entry) {
                index.remove(entry.id());
            }
        }
        return Optional.empty();
    }

    private KafkaConsumer<String, byte[]> consumer(String purpose) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-" + purpose);
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // A record deleted after its retention: from the partition's first record left, which is later.
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // A job's record may be 8 MiB: a few at a time.
        properties.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "16");
        properties.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(Topics.MAX_MESSAGE_BYTES));
        return new KafkaConsumer<>(properties, new StringDeserializer(), new ByteArrayDeserializer());
    }
}
