package io.stampede.gate.api;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.RestStreamElementType;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.Cancellable;
import io.stampede.gate.admission.EventStreams;
import io.stampede.gate.jobs.ArchivedJobs;
import io.stampede.gate.jobs.GateJobs;
import io.stampede.gate.jobs.GlobalJob;
import io.stampede.gate.jobs.JobArchive;
import io.stampede.gate.jobs.JobService;
import io.stampede.gate.jobs.JobView;
import io.stampede.gate.security.OidcCallers;
import io.stampede.node.security.ApiKeyIdentityProvider;
import io.stampede.node.security.ApiKeyMechanism;
import io.stampede.model.JobId;
import io.stampede.model.job.Durations;
import io.stampede.model.job.WorkflowSpec;
import io.stampede.model.lifecycle.JobStatus;
import io.stampede.model.stats.JobSeries;
import io.stampede.model.wire.Payload;
import io.stampede.node.config.NodeConfig;
import io.vertx.core.http.HttpServerRequest;

/**
 * The jobs API: submit, read, list, follow live, cancel. A finished job this gate no longer holds
 * (its retention passed, or the gate restarted) is read from the results topic ({@link ArchivedJobs}).
 */
@RolesAllowed("read")
@Path("/api/v1/jobs")
public class JobsResource {

    private final JobService jobs;
    private final ArchivedJobs archives;
    private final EventStreams streams;
    private final Clock clock;
    /**
     * Who calls: the API key's name, an OIDC token's user, or {@link ApiKeyMechanism#UNAUTHENTICATED}
     * while authentication is off.
     */
    @jakarta.inject.Inject
    io.quarkus.security.identity.SecurityIdentity identity;

    public JobsResource(JobService jobs, ArchivedJobs archives, NodeConfig config, Clock clock) {
        this.jobs = jobs;
        this.archives = archives;
        this.clock = clock;
        this.streams = new EventStreams(Math.max(1, config.overload().maxEventStreams()),
                Math.max(1, config.overload().maxEventStreamsPerClient()));
    }

    /** What a submission answers. */
    public record Submitted(String id, JobStatus status, List<String> datacenters, String location) {
    }

    /** A page of jobs. */
    public record JobPage(List<JobView> jobs, int page, int size, int total) {
    }

    @POST
    @RolesAllowed("submit")
    @Consumes({MediaType.APPLICATION_JSON, "application/yaml", "application/x-yaml", "text/yaml", MediaType.TEXT_PLAIN})
    @Produces(MediaType.APPLICATION_JSON)
    public Response submit(String body, @HeaderParam("Idempotency-Key") String idempotencyKey) {
        GateJobs.Submission submission = jobs.submit(body == null ? "" : body, Optional.ofNullable(idempotencyKey)
                .filter(key -> !key.isBlank()), ApiKeyIdentityProvider.limits(identity));
        if (submission instanceof GateJobs.Invalid invalid) {
            return ProblemDetail.response(400, "Invalid job", invalid.problems().size() + " problem"
                    + (invalid.problems().size() == 1 ? "" : "s") + " in the job",
                    invalid.problems().stream().map(p -> new ProblemDetail.FieldError(p.path(), p.message())).toList());
        }
        if (submission instanceof GateJobs.OverLimits over) {
            return ProblemDetail.response(403, "Over this caller's limits", "the job asks for more load than '"
                    + identity.getPrincipal().getName() + "' may (docs/security.md)",
                    over.problems().stream().map(p -> new ProblemDetail.FieldError(p.path(), p.message())).toList());
        }
        if (submission instanceof GateJobs.Conflict conflict) {
            return ProblemDetail.response(409, "Idempotency key reused", "this Idempotency-Key was used for job "
                    + conflict.job() + " with a different body", List.of());
        }
        if (submission instanceof GateJobs.TooLarge tooLarge) {
            return ProblemDetail.response(413, "Job too large", tooLarge.reason(), List.of());
        }
        if (submission instanceof GateJobs.Unroutable unroutable) {
            return ProblemDetail.response(503, "No datacenter can run this job", unroutable.reason(), List.of());
        }
        String id = ((GateJobs.Accepted) submission).job().value();
        URI location = URI.create("/api/v1/jobs/" + id);
        Submitted submitted = jobs.read(id, job -> new Submitted(job.id().value(), job.status(), job.datacenters(),
                location.toString())).orElseThrow();
        return Response.accepted(submitted).location(location).build();
    }

    @GET
    @Path("/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    public Response get(@PathParam("id") String id) {
        return orKept(id, kept -> Response.ok(kept.view()).build(), () -> jobs.read(id, job -> JobView.of(job, true))
                .map(view -> Response.ok(view).build()).orElseGet(() -> notFound(id)));
    }

    /**
     * Answers from the results topic for a finished job whose results this gate does not hold: it
     * no longer holds the job (its retention passed), or has not seen it end (it restarted since,
     * and follows the gates' table again). Otherwise, or when the topic has none, answers
     * {@code held}; 503 while the topic cannot be read yet.
     */
    private Response orKept(String id, Function<Payload.JobArchived, Response> kept, Supplier<Response> held) {
        if (jobs.read(id, GlobalJob::holdsResults).orElse(false)) {
            return held.get();
        }
        try {
            return archives.find(id).map(kept).orElseGet(held);
        } catch (ArchivedJobs.Unavailable e) {
            return ProblemDetail.retryLater(503, "Results not available yet", e.getMessage(), Admission.SHED_RETRY_AFTER);
        }
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response list(@QueryParam("status") String status, @QueryParam("page") @DefaultValue("0") int page,
            @QueryParam("size") @DefaultValue("20") int size) {
        if (page < 0 || size < 1 || size > 200) {
            return ProblemDetail.response(400, "Bad page", "page must be 0 or more and size 1 to 200", List.of());
        }
        Optional<JobStatus> wanted = Optional.empty();
        if (status != null) {
            wanted = Arrays.stream(JobStatus.values()).filter(known -> known.name().equalsIgnoreCase(status)).findFirst();
            if (wanted.isEmpty()) {
                return ProblemDetail.response(400, "Bad status", "'" + status + "' is not a job status; one of "
                        + Arrays.toString(JobStatus.values()), List.of());
            }
        }
        Optional<JobStatus> only = wanted;
        List<JobView> matching = new ArrayList<>(jobs.readAll(job -> job.holdsResults()
                && only.map(job.status()::equals).orElse(true), job -> JobView.of(job, false)));
        // Then the finished jobs whose results this gate does not hold, from the results topic.
        Set<String> held = matching.stream().map(JobView::id).collect(Collectors.toSet());
        List<JobView> kept = archives.listed(ended -> only.map(ended::equals).orElse(true), held);
        // Jobs this gate knows ended only from the gates' table, which the results topic has not (yet): as held.
        matching.addAll(jobs.readAll(job -> !job.holdsResults() && !archives.indexes(job.id().value())
                && only.map(job.status()::equals).orElse(true), job -> JobView.of(job, false)));
        int total = matching.size() + kept.size();
        List<JobView> views = new ArrayList<>();
        long from = (long) page * size;
        for (long i = from; i < Math.min(total, from + size); i++) {
            views.add(i < matching.size() ? matching.get((int) i) : kept.get((int) i - matching.size()));
        }
        return Response.ok(new JobPage(views, page, size, total)).build();
    }

    /**
     * A job's results over time, as {@code GET /api/v1/jobs/{id}/series} answers.
     *
     * @param settled whether the series is final: the job ended at least 3 s ago (a datacenter's
     *                last windows come after its totals); until then a reader that wants the
     *                final series asks again
     * @param note    what the series lacks, when it does: this gate began to follow the job after
     *                it started (it restarted since), or, for a finished job read from the results
     *                topic, its series was kept coarser than the job had it, or not at all
     */
    public record SeriesView(String id, JobStatus status, boolean settled, List<String> datacenters,
            List<JobSeries.Series> series, @JsonInclude(JsonInclude.Include.NON_EMPTY) String note) {
    }

    /** What a series answer needs from the job, copied under the job's lock and read outside it. */
    private record SeriesSource(String id, JobStatus status, boolean settled, List<String> datacenters, JobSeries series,
            Map<String, WorkflowSpec.Open> schedules, Map<String, Map<String, Double>> shares, String note) {
    }

    /**
     * A job's results over time: per workflow, points of {@code resolution} (1 s unless asked;
     * coarser when the job ran long enough for its series to have been merged), every datacenter
     * merged or one, with each point's own counts, errors by reason, rate and percentiles.
     */
    @GET
    @Path("/{id}/series")
    @Produces(MediaType.APPLICATION_JSON)
    public Response series(@PathParam("id") String id, @QueryParam("workflow") String workflow,
            @QueryParam("step") String step, @QueryParam("datacenter") @DefaultValue(JobSeries.ALL) String datacenter,
            @QueryParam("resolution") @DefaultValue("1s") String resolution,
            @QueryParam("since") @DefaultValue("0") String since) {
        Duration every;
        try {
            every = Durations.parse(resolution);
        } catch (IllegalArgumentException e) {
            return ProblemDetail.response(400, "Bad resolution", "resolution: " + e.getMessage(), List.of());
        }
        if (every.compareTo(Duration.ofSeconds(1)) < 0 || every.compareTo(Duration.ofHours(1)) > 0) {
            return ProblemDetail.response(400, "Bad resolution", "resolution must be from 1s to 1h", List.of());
        }
        long sinceMillis;
        try {
            sinceMillis = Long.parseLong(since);
        } catch (NumberFormatException e) {
            return ProblemDetail.response(400, "Bad since", "since must be a time in epoch milliseconds, got '" + since
                    + "'", List.of());
        }
        Response kept = orKept(id, archived -> series(id, archived, workflow, step, datacenter, every, sinceMillis),
                () -> null);
        if (kept != null) {
            return kept;
        }
        Optional<Object> read = jobs.read(id, job -> badSeriesQuery(id, job.datacenters(), job.workflows(), datacenter,
                workflow).<Object>map(problem -> problem).orElseGet(() -> new SeriesSource(job.id().value(), job.status(),
                        job.settled(clock.millis()), job.datacenters(), job.seriesCopy(Optional.ofNullable(workflow)),
                        job.schedules(), job.shares(), job.seriesGap())));
        if (read.isEmpty()) {
            return notFound(id);
        }
        if (read.get() instanceof Response problem) {
            return problem;
        }
        // Merging histograms into points takes a while for a long job: outside the job's lock.
        SeriesSource source = (SeriesSource) read.get();
        return Response.ok(new SeriesView(source.id(), source.status(), source.settled(), source.datacenters(),
                source.series().series(Optional.ofNullable(workflow), Optional.ofNullable(step), datacenter,
                        every.toMillis(), sinceMillis, source.schedules(), source.shares()), source.note())).build();
    }

    /** A kept series, as a held one is answered; it cannot be made coarser than it was kept. */
    private static Response series(String id, Payload.JobArchived kept, String workflow, String step, String datacenter,
            Duration every, long sinceMillis) {
        return badSeriesQuery(id, kept.datacenters(), kept.workflows(), datacenter, workflow).orElseGet(() -> {
            if (every.toMillis() > kept.resolutionMillis()) {
                return ProblemDetail.response(400, "Bad resolution", "job " + id + " has ended, and its series was kept at "
                        + kept.resolutionMillis() / 1000 + " s a point; ask for that or less", List.of());
            }
            return Response.ok(new SeriesView(id, kept.status(), true, kept.datacenters(), JobArchive.series(kept,
                    Optional.ofNullable(workflow), Optional.ofNullable(step), datacenter, sinceMillis), kept.seriesNote()))
                    .build();
        });
    }

    /** A 400 when the series asked for names a datacenter or workflow the job does not have. */
    private static Optional<Response> badSeriesQuery(String id, List<String> datacenters, List<String> workflows,
            String datacenter, String workflow) {
        if (!datacenter.equals(JobSeries.ALL) && !datacenters.contains(datacenter)) {
            return Optional.of(ProblemDetail.response(400, "Bad datacenter", "job " + id + " runs in " + datacenters
                    + ", not '" + datacenter + "'; leave datacenter out (or say all) for all of them", List.of()));
        }
        if (workflow != null && !workflows.contains(workflow)) {
            return Optional.of(ProblemDetail.response(400, "Bad workflow", "job " + id + " has the workflows " + workflows
                    + ", not '" + workflow + "'", List.of()));
        }
        return Optional.empty();
    }

    /** The longest an event stream stays quiet while its job runs. */
    static final int EVENTS_HEARTBEAT_SECONDS = 5;

    /**
     * Server-Sent Events: the job now, then again at every change and at least every {@value
     * #EVENTS_HEARTBEAT_SECONDS} s (so a reader can tell a quiet job from a lost gate), ending with
     * its final state. A slow reader gets the latest state, not every one in between: only the
     * newest waiting snapshot is kept, so the final one is never dropped. The streams a gate and a
     * client may have open are bounded ({@code stampede.overload.max-event-streams*}).
     */
    @GET
    @Path("/{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    // A finished job may be read from Kafka first (the results topic): on a worker thread, not the event loop.
    @Blocking
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<JobView> events(@PathParam("id") String id, @Context HttpServerRequest request) {
        // A finished job whose results this gate does not hold: its kept state, and the stream ends.
        // Before the stream starts, a 404 or 503 problem, not an event stream cut off at once.
        JobView[] kept = new JobView[1];
        Response answer = orKept(id, archived -> {
            kept[0] = archives.view(archived);
            return Response.ok().build();
        }, () -> jobs.read(id, job -> true).isPresent() ? null : notFound(id));
        if (kept[0] != null) {
            return Multi.createFrom().item(kept[0]);
        }
        if (answer != null) {
            throw new WebApplicationException(answer);
        }
        // Counted per API key, as the rate limits are, and per OIDC token user (each its own, never a
        // key's of the same name); per address when authentication is off.
        String client = OidcCallers.tokenCaller(identity) ? "token:" + identity.getPrincipal().getName()
                : !identity.getPrincipal().getName().equals(ApiKeyMechanism.UNAUTHENTICATED)
                        ? "key:" + identity.getPrincipal().getName()
                        : request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
        Optional<EventStreams.Refusal> refusal = streams.open(client);
        if (refusal.isPresent()) {
            throw new WebApplicationException(refusal.get() == EventStreams.Refusal.CLIENT_LIMIT
                    ? ProblemDetail.retryLater(429, "Too many event streams", "this client has "
                            + streams.maxPerClient() + " event streams open on this gate already",
                            Admission.SHED_RETRY_AFTER)
                    : ProblemDetail.retryLater(503, "Too many event streams", "this gate has "
                            + streams.maxTotal() + " event streams open already", Admission.SHED_RETRY_AFTER));
        }
        AtomicBoolean closed = new AtomicBoolean();
        Runnable close = () -> {
            if (closed.compareAndSet(false, true)) {
                streams.close(client);
            }
        };
        return Multi.createFrom().<JobView>emitter(emitter -> {
            // First, so that the stream's slot is given back however the stream ends, even here.
            emitter.onTermination(close);
            Optional<JobView> current = jobs.read(id, job -> JobView.of(job, true));
            if (current.isEmpty()) {
                emitter.fail(new jakarta.ws.rs.NotFoundException("no job " + id));
                return;
            }
            Consumer<JobId> listener = changed -> {
                if (changed.value().equals(id)) {
                    jobs.read(id, job -> JobView.of(job, true)).ifPresent(view -> {
                        emitter.emit(view);
                        if (terminal(view)) {
                            emitter.complete();
                        }
                    });
                }
            };
            jobs.listen(listener);
            Cancellable heartbeat = Multi.createFrom().ticks().every(Duration.ofSeconds(EVENTS_HEARTBEAT_SECONDS))
                    .subscribe().with(tick -> listener.accept(JobId.of(id)), failure -> { });
            emitter.onTermination(() -> {
                heartbeat.cancel();
                jobs.unlisten(listener);
                close.run();
            });
            emitter.emit(current.get());
            if (terminal(current.get())) {
                emitter.complete();
            }
        }, BackPressureStrategy.LATEST);
    }

    @DELETE
    @RolesAllowed("submit")
    @Path("/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    public Response cancel(@PathParam("id") String id) {
        return orKept(id, kept -> Response.accepted(kept.view()).build(), () -> jobs.cancel(id, "cancelled by a user",
                job -> JobView.of(job, false)).map(view -> Response.accepted(view).build()).orElseGet(() -> notFound(id)));
    }

    private static boolean terminal(JobView view) {
        return view.status().terminal();
    }

    private static Response notFound(String id) {
        return ProblemDetail.response(404, "No such job", "no job " + id + " is known to this gate", List.of());
    }
}
