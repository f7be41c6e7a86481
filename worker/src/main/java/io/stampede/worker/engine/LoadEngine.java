package io.stampede.worker.engine;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;

import io.stampede.model.job.WorkflowSpec;
import io.stampede.model.security.TargetPolicy;
import io.stampede.model.stats.WorkflowWindow;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * Stampede's HTTP load engine: runs workflow shares on Vert.x event loops, one lane per event loop,
 * with non-blocking keep-alive connection pools per lane. Usable on its own ({@link #standalone()})
 * or on a Vert.x instance the worker already has.
 *
 * <p>Time is injected: a {@link Clock} for wall-clock time (window bounds, {@code {{timestamp}}})
 * and a monotonic nanosecond source for everything measured or scheduled (durations, arrival
 * times, latencies). Production passes {@code Clock.systemUTC()} and {@code System::nanoTime}.
 */
public final class LoadEngine implements AutoCloseable {

    /** Redirects followed per request at most, when a step follows redirects. */
    static final int MAX_REDIRECTS = 5;

    private final Vertx vertx;
    private final boolean ownsVertx;
    private final Clock clock;
    private final LongSupplier nanoTime;
    private final List<Context> contexts = new ArrayList<>();
    private final TargetGuard targets;
    /** Headers a redirect to another host, port or scheme does not carry. */
    private static final List<String> CREDENTIAL_HEADERS = List.of("Authorization", "Cookie", "Proxy-Authorization");
    private final WorkerSecrets secrets;

    /**
     * The policy of an engine used on its own (benchmarks on this machine, tests): loopback and
     * private ranges allowed, cloud metadata still denied.
     */
    static final TargetPolicy ON_THIS_MACHINE = TargetPolicy.of(List.of(), List.of(), true, true).policy();

    /**
     * @param vertx    the Vert.x to run on
     * @param lanes    how many event loops to use (normally the number of cores)
     * @param clock    wall-clock time, for window bounds and {@code {{timestamp}}}
     * @param nanoTime monotonic time in nanoseconds, for everything measured or scheduled; read on
     *                 every event loop, so it must be thread-safe
     */
    /**
     * An engine for this machine's own use (tests, benchmarks): loopback and private targets
     * allowed ({@link #ON_THIS_MACHINE}), secrets from the environment. A worker passes its own.
     */
    public LoadEngine(Vertx vertx, int lanes, Clock clock, LongSupplier nanoTime) {
        this(vertx, lanes, clock, nanoTime, ON_THIS_MACHINE, WorkerSecrets.of(Optional.empty()), false);
    }

    /**
     * @param targets where requests may go; every request and redirect is judged before it is sent
     * @param secrets the value of each {@code {{secret:name}}} this worker knows, and the hosts it is bound to
     */
    public LoadEngine(Vertx vertx, int lanes, Clock clock, LongSupplier nanoTime, TargetPolicy targets,
            WorkerSecrets secrets) {
        this(vertx, lanes, clock, nanoTime, targets, secrets, false);
    }

    private LoadEngine(Vertx vertx, int lanes, Clock clock, LongSupplier nanoTime, TargetPolicy targets,
            WorkerSecrets secrets, boolean ownsVertx) {
        if (lanes < 1) {
            throw new IllegalArgumentException("an engine needs at least one lane");
        }
        this.targets = new TargetGuard(vertx, targets, nanoTime);
        this.secrets = secrets;
        this.vertx = vertx;
        this.ownsVertx = ownsVertx;
        this.clock = clock;
        this.nanoTime = nanoTime;
        // From a thread outside Vert.x, each call gives a context on the next event loop in turn.
        for (int i = 0; i < lanes; i++) {
            contexts.add(vertx.getOrCreateContext());
        }
    }

    /** {@link #standalone(Clock, LongSupplier)} on the system's clocks. */
    public static LoadEngine standalone() {
        return standalone(Clock.systemUTC(), System::nanoTime);
    }

    /** An engine with a Vert.x of its own: one event loop per core, native transport where available. */
    public static LoadEngine standalone(Clock clock, LongSupplier nanoTime) {
        int cores = Runtime.getRuntime().availableProcessors();
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(cores).setPreferNativeTransport(true));
        return new LoadEngine(vertx, cores, clock, nanoTime, ON_THIS_MACHINE, WorkerSecrets.of(Optional.empty()), true);
    }

    /** Whether Vert.x runs on the native (epoll) transport. */
    public boolean nativeTransport() {
        return vertx.isNativeTransportEnabled();
    }

    /**
     * Starts a workflow share.
     *
     * @param windows receives a window of statistics per period and a last one at the end, on an
     *                engine thread: it must not block
     */
    public WorkflowRun start(WorkflowShare share, Consumer<WorkflowWindow> windows) {
        WorkflowRun run = new WorkflowRun(vertx, clock, nanoTime, contexts, this::client, targets, secrets, share, windows);
        run.start();
        return run;
    }

    private HttpClient client(WorkflowSpec.HttpOptions http, int connections) {
        boolean http2 = http.version() == WorkflowSpec.HttpVersion.HTTP_2;
        HttpClientOptions options = new HttpClientOptions()
                .setKeepAlive(true)
                .setTcpNoDelay(true)
                .setMaxRedirects(MAX_REDIRECTS)
                .setTrustAll(http.insecureTls())
                .setVerifyHost(!http.insecureTls())
                .setProtocolVersion(http2 ? HttpVersion.HTTP_2 : HttpVersion.HTTP_1_1)
                .setUseAlpn(http2)
                .setHttp2ClearTextUpgrade(false);
        PoolOptions pool = new PoolOptions().setHttp1MaxSize(connections).setHttp2MaxSize(Math.max(1, connections / 8));
        HttpClient client = vertx.createHttpClient(options, pool);
        guardRedirects(client);
        return client;
    }

    /**
     * Judges every redirect's target as the first request's was, and sends it to the address judged:
     * a redirect to a denied target fails the request as {@code denied}. Vert.x's own handler still
     * decides which responses are redirects and where they lead (its setter is the one way to wrap it).
     */
    @SuppressWarnings("deprecation")
    private void guardRedirects(HttpClient client) {
        Function<HttpClientResponse, Future<RequestOptions>> standard = client.redirectHandler();
        client.redirectHandler(response -> {
            Future<RequestOptions> next = standard.apply(response);
            if (next == null) {
                return null;
            }
            HttpClientRequest from = response.request();
            return next.compose(redirect -> {
                if (!redirect.getHost().equalsIgnoreCase(from.getHost()) || redirect.getPort() != from.getPort()
                        || Boolean.TRUE.equals(redirect.isSsl()) != from.absoluteURI().startsWith("https:")) {
                    // Credentials (a secret's value, say) are for the host they were written for, not
                    // wherever it redirects to.
                    for (String header : CREDENTIAL_HEADERS) {
                        if (redirect.getHeaders() != null) {
                            redirect.getHeaders().remove(header);
                        }
                    }
                }
                return targets.admit(redirect.getHost(), redirect.getPort()).map(redirect::setServer);
            });
        });
    }

    @Override
    public void close() {
        if (ownsVertx) {
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
    }
}
