package io.stampede.gate.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
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

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.stampede.model.JobId;
import io.stampede.model.Topics;
import io.stampede.model.lifecycle.DatacenterJobStatus;
import io.stampede.model.lifecycle.JobStatus;
import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.Payload;
import io.stampede.model.wire.RecordCodec;
import io.stampede.model.wire.Subject;
import io.stampede.node.config.NodeIdentity;
import io.stampede.node.messaging.KafkaClients;
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

    /** The most finished jobs a gate indexes; the oldest are forgotten first. */
    static final int MAX_INDEXED = 100_000;
    /** How many decoded records a gate keeps for the next reads (each at most 6 MiB of JSON). */
    static final int CACHED = 4;
    /** The most jobs waiting for their records to be built and sent; past it, a job's results are not kept, and said so. */
    static final int MAX_WAITING = 64;
    /** How many times sending a job's record is tried, 2 s apart, before its results are given up. */
    static final int SEND_ATTEMPTS = 5;
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

    private final KafkaClients kafka;
    private final String clientId;
    private final RecordInbox inbox;
    private final ObjectMapper json;
    private final MeterRegistry registry;
    /** Guarded by this. */
    private final LinkedHashMap<JobId, Entry> index = new LinkedHashMap<>();
    /** Guarded by this; in access order. */
    private final LinkedHashMap<JobId, Payload.JobArchived> cache = new LinkedHashMap<>(16, 0.75f, true);
    private final Object fetching = new Object();
    /** Guarded by {@link #fetching}. */
    private KafkaConsumer<String, byte[]> fetcher;
    /** Builds and sends records, one at a time; at most {@value #MAX_WAITING} waiting. */
    private final ThreadPoolExecutor archiver = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(MAX_WAITING), runnable -> {
                Thread thread = new Thread(runnable, "gate-archive");
                thread.setDaemon(true);
                return thread;
            });
    /** Sends a record again after a failure. */
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "gate-archive-retry");
        thread.setDaemon(true);
        return thread;
    });
    private volatile boolean running;
    /** Counted down when the gate stops: ends the reader's wait before it reads again. */
    private final CountDownLatch stopping = new CountDownLatch(1);
    private volatile boolean caughtUp;
    private volatile KafkaConsumer<String, byte[]> indexer;
    private Thread reader;
    private boolean forgetting;

    public ArchivedJobs(NodeIdentity identity, RecordInbox inbox, ObjectMapper json, MeterRegistry registry,
            KafkaClients kafka) {
        this.kafka = kafka;
        this.registry = registry;
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
        stopping.countDown();
        KafkaConsumer<String, byte[]> consumer = indexer;
        if (consumer != null) {
            consumer.wakeup();
        }
        if (reader != null) {
            // Woken, the reader closes its consumer itself: interrupted, the consumer's close would
            // fail and say so at ERROR. Interrupted only if it has not ended meanwhile.
            reader.join(TimeUnit.SECONDS.toMillis(10));
            if (reader.isAlive()) {
                reader.interrupt();
                reader.join(TimeUnit.SECONDS.toMillis(5));
            }
        }
        archiver.shutdownNow();
        retries.shutdownNow();
        synchronized (fetching) {
            if (fetcher != null) {
                fetcher.close(Duration.ofSeconds(5));
                fetcher = null;
            }
        }
    }

    /**
     * Builds the job's record and sends it with {@code send}, on this gate's archiving thread; a
     * send that fails is tried again, {@value #SEND_ATTEMPTS} times in all. Results that cannot be
     * kept (too many jobs waiting, a view too large, every send failed) are logged and counted in
     * {@code stampede_results_lost_total}.
     */
    void archive(JobArchive.Source source, Function<Payload.JobArchived, CompletionStage<Void>> send) {
        try {
            archiver.execute(() -> {
                try {
                    JobArchive.build(source, json, JobArchive.MAX_ARCHIVE_BYTES)
                            .ifPresentOrElse(built -> send(source, built, send, 1), () -> lost(source, "too large"));
                } catch (RuntimeException e) {
                    LOG.warnf(e, "job %s: its results could not be built", source.id());
                    lost(source, "not built");
                }
            });
        } catch (RejectedExecutionException e) {
            LOG.warnf("job %s: its results are not kept: %d jobs' results wait to be sent already", source.id(),
                    MAX_WAITING);
            lost(source, "too many waiting");
        }
    }

    private void send(JobArchive.Source source, Payload.JobArchived built,
            Function<Payload.JobArchived, CompletionStage<Void>> send, int attempt) {
        send.apply(built).whenComplete((ignored, failure) -> {
            if (failure == null) {
                LOG.debugf("job %s: results kept on %s", source.id(), Topics.JOB_RESULTS);
            } else if (attempt >= SEND_ATTEMPTS) {
                LOG.errorf("job %s: its results could not be sent to %s after %d tries (%s)", source.id(),
                        Topics.JOB_RESULTS, attempt, failure.getMessage());
                lost(source, "not sent");
            } else {
                LOG.warnf("job %s: its results could not be sent to %s (%s); trying again in 2 s", source.id(),
                        Topics.JOB_RESULTS, failure.getMessage());
                try {
                    retries.schedule(() -> send(source, built, send, attempt + 1), 2, TimeUnit.SECONDS);
                } catch (RejectedExecutionException stopping) {
                    lost(source, "not sent");
                }
            }
        });
    }

    private void lost(JobArchive.Source source, String why) {
        registry.counter("stampede.results.lost", "reason", why).increment();
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
                if (index.get(id) != entry) {
                    return; // a newer record of the job, or its deletion, came meanwhile
                }
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
        return JobArchive.view(json, archived);
    }

    /**
     * The indexed jobs whose status {@code wanted} accepts and which are not in {@code except}, newest
     * submission first, as a listing shows them: name, status, submission and each datacenter's
     * status. Each is made a view only when read, so a page of a long list costs its page.
     */
    public List<JobView> listed(Predicate<JobStatus> wanted, Set<String> except) {
        List<Entry> entries;
        synchronized (this) {
            entries = new ArrayList<>(index.values().stream().filter(entry -> wanted.test(entry.status())
                    && !except.contains(entry.id().value())).toList());
        }
        entries.sort((a, b) -> Long.compare(b.submittedAtMillis(), a.submittedAtMillis()));
        return new AbstractList<>() {
            @Override
            public JobView get(int index) {
                return summary(entries.get(index));
            }

            @Override
            public int size() {
                return entries.size();
            }
        };
    }

    /** Whether the index has this job. */
    public synchronized boolean indexes(String jobId) {
        return JobId.parse(jobId).map(index::containsKey).orElse(false);
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
                if (!running) {
                    return; // a stop that came before the consumer was published could not wake it
                }
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
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.warnf(e, "reading %s failed; reading it again from its start in %d s", Topics.JOB_RESULTS,
                        RETRY.toSeconds());
                pause();
            } finally {
                indexer = null;
            }
        }
    }

    private void pause() {
        try {
            stopping.await(RETRY.toMillis(), TimeUnit.MILLISECONDS);
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
                        if (record.offset() == entry.offset() && record.value() != null && inbox.signed(record)
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
        properties.putAll(kafka.properties());
        properties.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-" + purpose);
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // A record deleted after its retention: from the partition's first record left, which is later.
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // A job's record may be 8 MiB: a few at a time for the index, one to read a job.
        properties.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, purpose.equals("index") ? "4" : "1");
        properties.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(Topics.MAX_MESSAGE_BYTES));
        properties.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(Topics.MAX_MESSAGE_BYTES));
        return new KafkaConsumer<>(properties, new StringDeserializer(), new ByteArrayDeserializer());
    }
}
