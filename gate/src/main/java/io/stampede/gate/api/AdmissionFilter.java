package io.stampede.gate.api;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import jakarta.inject.Provider;
import jakarta.inject.Singleton;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.stampede.cluster.overload.InFlight;
import io.stampede.cluster.overload.RateLimiter;
import io.stampede.gate.admission.Operation;
import io.stampede.model.load.LoadState;
import io.stampede.node.config.NodeConfig;
import io.stampede.node.load.NodeLoad;
import io.vertx.ext.web.RoutingContext;

/**
 * Decides, before a request reaches its resource, whether the gate takes it, in this order:
 * <ol>
 * <li>the client's rate limit for the operation (a token bucket per remote address): over it,
 * {@code 429} with {@code Retry-After} until its next token;</li>
 * <li>the gate's load state ({@link LoadState#admits}): BUSY sheds LOW requests, STRESSED NORMAL
 * ones too, OVERLOADED all but cancels: {@code 503} with {@code Retry-After};</li>
 * <li>the gate's work in flight per priority ({@link InFlight.Limits#GATE}): full, {@code 503}.</li>
 * </ol>
 * A cancel is never shed. How long each admitted request took is this gate's critical-work
 * latency ({@link NodeLoad#observe}); event streams are not timed (they last as long as their job).
 */
@Singleton
public class AdmissionFilter {

    /** How long a shed client is asked to wait. */
    static final Duration SHED_RETRY_AFTER = Duration.ofSeconds(2);

    private final NodeLoad load;
    private final Clock clock;
    private final boolean shedding;
    private final RateLimiter<Operation> limiter;
    private final InFlight inFlight = new InFlight(InFlight.Limits.GATE);
    private final MeterRegistry registry;

    public AdmissionFilter(NodeLoad load, Clock clock, NodeConfig config, MeterRegistry registry) {
        this.load = load;
        this.clock = clock;
        this.registry = registry;
        NodeConfig.Overload overload = config.overload();
        this.shedding = overload.shedding();
        Duration period = overload.ratePeriod();
        this.limiter = new RateLimiter<>(overload.rateLimit() ? Map.of(
                Operation.SUBMIT, new RateLimiter.Limit(overload.submitRate(), period),
                Operation.READ, new RateLimiter.Limit(overload.readRate(), period),
                Operation.WATCH, new RateLimiter.Limit(overload.readRate(), period),
                Operation.LIST, new RateLimiter.Limit(overload.listRate(), period),
                Operation.STATUS, new RateLimiter.Limit(overload.readRate(), period),
                Operation.CANCEL, new RateLimiter.Limit(overload.cancelRate(), period)) : Map.of(), 10_000);
    }

    /** The client a request is counted against: its remote address. */
    static String client(RoutingContext context) {
        return context.request().remoteAddress() == null ? "unknown" : context.request().remoteAddress().hostAddress();
    }

    /**
     * The filter itself: RESTEasy builds filters before configuration and Vert.x exist, so it
     * reaches the admission bean only when a request comes.
     */
    @Singleton
    public static class Filter {

        private final Provider<AdmissionFilter> admission;

        public Filter(Provider<AdmissionFilter> admission) {
            this.admission = admission;
        }

        @ServerRequestFilter(preMatching = true)
        public Optional<Response> admit(RoutingContext context) {
            return admission.get().admit(context);
        }
    }

    /** The answer to a request: a refusal, or empty to let it through. */
    Optional<Response> admit(RoutingContext context) {
        Optional<Operation> known = Operation.of(context.request().method().name(), context.request().path());
        if (known.isEmpty()) {
            return Optional.empty();
        }
        Operation operation = known.get();
        if (limiter.acquire(client(context), operation, clock.millis()) instanceof RateLimiter.Limited limited) {
            refused(operation, "rate_limit");
            return Optional.of(ProblemDetail.retryLater(429, "Too many requests",
                    "this client may make " + limited.limit().capacity() + " " + operation.name().toLowerCase()
                            + " requests per " + limited.limit().period().toSeconds() + " s", limited.retryAfter()));
        }
        LoadState state = load.state();
        if (shedding && !state.admits(operation.priority())) {
            refused(operation, "overload");
            return Optional.of(ProblemDetail.retryLater(503, "Gate overloaded", "this gate is " + state
                    + " and sheds " + operation.priority() + " requests (" + operation.name().toLowerCase()
                    + ") until its load falls", SHED_RETRY_AFTER));
        }
        if (operation == Operation.WATCH) {
            return Optional.empty(); // bounded by EventStreams for as long as it lasts
        }
        if (!inFlight.tryAcquire(operation.priority())) {
            refused(operation, "in_flight");
            return Optional.of(ProblemDetail.retryLater(503, "Gate busy", "this gate has as many "
                    + operation.priority() + " requests in flight as it takes", SHED_RETRY_AFTER));
        }
        long began = System.nanoTime();
        context.addEndHandler(ended -> {
            inFlight.release(operation.priority());
            load.observe(Duration.ofNanos(System.nanoTime() - began));
        });
        return Optional.empty();
    }

    private void refused(Operation operation, String reason) {
        Counter.builder("stampede.gate.requests.refused").tag("operation", operation.name().toLowerCase())
                .tag("reason", reason).description("API requests the gate refused: rate_limit (429), overload or "
                        + "in_flight (503)").register(registry).increment();
    }
}
