package io.stampede.worker.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

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
 */
public final class LoadEngine implements AutoCloseable {

    /** Redirects followed per request at most, when a step follows redirects. */
    static final int MAX_REDIRECTS = 5;

    private final Vertx vertx;
    private final boolean ownsVertx;
    private final List<Context> contexts = new ArrayList<>();

    /**
     * @param vertx the Vert.x to run on
     * @param lanes how many event loops to use (normally the number of cores)
     */
    public LoadEngine(Vertx vertx, int lanes) {
        this(vertx, lanes, false);
    }

    private LoadEngine(Vertx vertx, int lanes, boolean ownsVertx) {
        if (lanes < 1) {
            throw new IllegalArgumentException("an engine needs at least one lane");
        }
        this.vertx = vertx;
        this.ownsVertx = ownsVertx;
        // From a thread outside Vert.x, each call gives a context on the next event loop in turn.
        for (int i = 0; i < lanes; i++) {
            contexts.add(vertx.getOrCreateContext());
        }
    }

    /** An engine with a Vert.x of its own: one event loop per core, native transport where available. */
    public static LoadEngine standalone() {
        int cores = Runtime.getRuntime().availableProcessors();
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(cores).setPreferNativeTransport(true));
        return new LoadEngine(vertx, cores, true);
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
        WorkflowRun run = new WorkflowRun(vertx, contexts, this::client, share, windows);
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
