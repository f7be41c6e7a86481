package io.stampede.worker.engine;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import io.stampede.model.job.WorkflowSpec;
import io.stampede.model.stats.WorkflowWindow;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;

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

    /**
     * @param vertx    the Vert.x to run on
     * @param lanes    how many event loops to use (normally the number of cores)
     * @param clock    wall-clock time, for window bounds and {@code {{timestamp}}}
     * @param nanoTime monotonic time in nanoseconds, for everything measured or scheduled; read on
     *                 every event loop, so it must be thread-safe
     */
    public LoadEngine(Vertx vertx, int lanes, Clock clock, LongSupplier nanoTime) {
        this(vertx, lanes, clock, nanoTime, false);
    }

    private LoadEngine(Vertx vertx, int lanes, Clock clock, LongSupplier nanoTime, boolean ownsVertx) {
        if (lanes < 1) {
            throw new IllegalArgumentException("an engine needs at least one lane");
        }
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
        return new LoadEngine(vertx, cores, clock, nanoTime, true);
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
        WorkflowRun run = new WorkflowRun(vertx, clock, nanoTime, contexts, this::client, share, windows);
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
        return vertx.createHttpClient(options, pool);
    }

    @Override
    public void close() {
        if (ownsVertx) {
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
    }
}
