package io.stampede.gate.api;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.stampede.cluster.overload.InFlight;
import io.stampede.cluster.overload.RateLimiter;
import io.stampede.gate.admission.Operation;
import io.stampede.model.load.LoadState;
import io.stampede.node.config.NodeConfig;
import io.stampede.node.load.NodeLoad;
import io.stampede.node.security.ApiKeyMechanism;
import io.stampede.node.security.ApiKeyRegistry;
import io.stampede.model.security.ApiKeys;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Decides, before a request reaches the REST layer, whether the gate takes it, in this order:
 * <ol>
 * <li>the client's rate limit for the operation (a token bucket per API key, or per remote address
 * for a request without a known key): over it,
 * {@code 429} with {@code Retry-After} until its next token;</li>
 * <li>the gate's load state ({@link LoadState#admits}): BUSY sheds LOW requests, STRESSED NORMAL
 * ones too, OVERLOADED all but cancels: {@code 503} with {@code Retry-After};</li>
 * <li>the gate's work in flight per priority ({@link InFlight.Limits#GATE}): full, {@code 503}.</li>
 * </ol>
 * A cancel is never shed. A refusal is answered here, on the event loop, without reading the
 * request's body or entering the REST layer, so a flood of refused requests costs little. How
 * long each admitted request took is this gate's critical-work latency ({@link NodeLoad#observe}),
 * but for submissions (they wait for the gates' Raft commit) and event streams (they last as long
 * as their job, and are bounded on their own).
 */
@Singleton
public class Admission {

    /** How long a shed client is asked to wait. */
    static final Duration SHED_RETRY_AFTER = Duration.ofSeconds(2);
    /** Before the REST layer's own route. */
    static final int ROUTE_ORDER = -100;

    private final NodeLoad load;
    private final Clock clock;
    private final boolean shedding;
    private final RateLimiter<Operation> limiter;
    private final InFlight inFlight = new InFlight(InFlight.Limits.GATE);
    private final MeterRegistry registry;
    private final ObjectMapper json;
    private final Map<String, Counter> refusals = new ConcurrentHashMap<>();
    private final ApiKeyRegistry apiKeys;

    public Admission(NodeLoad load, Clock clock, NodeConfig config, MeterRegistry registry, ObjectMapper json,
            ApiKeyRegistry apiKeys) {
        this.apiKeys = apiKeys;
        this.load = load;
        this.clock = clock;
        this.registry = registry;
        this.json = json;
        NodeConfig.Overload overload = config.overload();
        this.shedding = overload.shedding();
        // Settings out of range stop the node at start-up with every problem named (SettingsCheck);
        // clamped here only so that this bean, built while the HTTP server starts, does not fail first.
        Duration period = overload.ratePeriod().isNegative() || overload.ratePeriod().isZero() ? Duration.ofSeconds(10)
                : overload.ratePeriod();
        this.limiter = new RateLimiter<>(overload.rateLimit() ? Map.of(
                Operation.SUBMIT, new RateLimiter.Limit(atLeastOne(overload.submitRate()), period,
                        atLeastOne(overload.submitBurst())),
                Operation.READ, new RateLimiter.Limit(atLeastOne(overload.readRate()), period),
                Operation.WATCH, new RateLimiter.Limit(atLeastOne(overload.readRate()), period),
                Operation.LIST, new RateLimiter.Limit(atLeastOne(overload.listRate()), period),
                Operation.STATUS, new RateLimiter.Limit(atLeastOne(overload.readRate()), period),
                Operation.CANCEL, new RateLimiter.Limit(atLeastOne(overload.cancelRate()), period)) : Map.of(), 10_000);
    }

    private static int atLeastOne(int value) {
        return Math.max(1, value);
    }

    void route(@Observes Router router) {
        router.route("/api/*").order(ROUTE_ORDER).handler(this::admit);
    }

    /**
     * The client a request is counted against: the API key it presents, when this gate knows it (so
     * that callers behind one proxy or NAT address each have their own limits), else its remote
     * address.
     */
    String client(RoutingContext context) {
        Optional<ApiKeys.ApiKey> key = ApiKeyMechanism.presented(context).flatMap(presented -> apiKeys.keys().find(presented));
        if (key.isPresent()) {
            return "key:" + key.get().name();
        }
        return context.request().remoteAddress() == null ? "unknown" : context.request().remoteAddress().hostAddress();
    }

    private void admit(RoutingContext context) {
        // The normalised path ("/api/v1/./jobs" is "/api/v1/jobs"), as the REST layer matches it.
        Optional<Operation> known = Operation.of(context.request().method().name(), context.normalizedPath());
        if (known.isEmpty()) {
            context.next();
            return;
        }
        Operation operation = known.get();
        String name = operation.name().toLowerCase();
        if (limiter.acquire(client(context), operation, clock.millis()) instanceof RateLimiter.Limited limited) {
            refuse(context, operation, "rate_limit", 429, "Too many requests", "this client may make "
                    + limited.limit().capacity() + " " + name + " requests per " + limited.limit().period().toSeconds()
                    + " s", limited.retryAfter());
            return;
        }
        LoadState state = load.state();
        if (shedding && !state.admits(operation.priority())) {
            refuse(context, operation, "overload", 503, "Gate overloaded", "this gate is " + state + " and sheds "
                    + operation.priority() + " requests (" + name + ") until its load falls", SHED_RETRY_AFTER);
            return;
        }
        if (operation == Operation.WATCH) {
            context.next(); // bounded by EventStreams for as long as it lasts
            return;
        }
        if (!inFlight.tryAcquire(operation.priority())) {
            refuse(context, operation, "in_flight", 503, "Gate busy", "this gate has as many " + operation.priority()
                    + " requests in flight as it takes", SHED_RETRY_AFTER);
            return;
        }
        long began = System.nanoTime();
        // A submission waits for the gates' Raft commit, which is the group's pace, not this gate's
        // work: timing it would make reads look slow to shed when only commits are.
        boolean timed = operation != Operation.SUBMIT;
        context.addEndHandler(ended -> {
            inFlight.release(operation.priority());
            if (timed) {
                load.observe(Duration.ofNanos(System.nanoTime() - began));
            }
        });
        context.next();
    }

    private void refuse(RoutingContext context, Operation operation, String reason, int status, String title,
            String detail, Duration retryAfter) {
        // Looked up once per operation and reason: a flood of refusals must stay cheap.
        refusals.computeIfAbsent(operation.name() + "/" + reason, key -> Counter.builder("stampede.gate.requests.refused")
                .tag("operation", operation.name().toLowerCase()).tag("reason", reason)
                .description("API requests the gate refused: rate_limit (429), overload or in_flight (503)")
                .register(registry)).increment();
        String body;
        try {
            body = json.writeValueAsString(new ProblemDetail("about:blank", title, status, detail, java.util.List.of()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        context.response().setStatusCode(status).putHeader("Content-Type", "application/problem+json")
                .putHeader("Retry-After", Long.toString(ProblemDetail.retryAfterSeconds(retryAfter))).end(body);
    }
}
