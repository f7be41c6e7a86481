package io.stampede.worker.engine;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

import org.jboss.logging.Logger;

import io.stampede.model.job.StepSpec;
import io.stampede.model.job.Template;
import io.stampede.model.job.WorkflowSpec;
import io.stampede.model.security.TargetPolicy;
import io.stampede.model.stats.StepWindow;
import io.stampede.model.stats.WorkflowAccumulator;
import io.stampede.model.stats.WorkflowWindow;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.RequestOptions;

/**
 * One workflow share running on the engine.
 *
 * <p>Threading: the work is split into lanes, one per event loop. A virtual user lives on one
 * lane and everything it does (rendering, sending, checking, recording) runs on that lane's
 * thread, so the counters need no locks. Run-wide state (stopping, counts of running iterations,
 * the open model's dropped iterations) is atomic.
 *
 * <p>Lifecycle: RUNNING → STOPPING (no new iteration starts; in-flight requests get the
 * workflow's graceful-stop period) → DONE. {@link #cancel()} goes straight to DONE, interrupting
 * every in-flight request.
 *
 * <p>Time: wall-clock time (window bounds, {@code {{timestamp}}}) comes from the given
 * {@link Clock}; durations, deadlines, arrival times and latencies from the given monotonic
 * nanosecond source, which wall-clock adjustments cannot move. Vert.x timers still fire in real
 * time: they only wake the run, which then decides from the injected time.
 */
public final class WorkflowRun {

    private static final Logger LOG = Logger.getLogger(WorkflowRun.class);

    private final Vertx vertx;
    private final Clock clock;
    /** Monotonic nanoseconds, read on every lane's thread (so it must be thread-safe). */
    private final LongSupplier nanoTime;
    private final WorkflowShare share;
    private final WorkflowSpec workflow;
    private final List<CompiledStep> steps;
    private final Consumer<WorkflowWindow> windows;
    private final List<Lane> lanes = new ArrayList<>();
    private final CompletableFuture<WorkflowResult> completion = new CompletableFuture<>();
    private final WorkflowAccumulator totals;
    private final Set<String> exported;

    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final AtomicBoolean finishing = new AtomicBoolean();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicBoolean scheduleDone = new AtomicBoolean();
    private final ConcurrentLinkedQueue<Long> freeVuNumbers = new ConcurrentLinkedQueue<>();
    /** Virtual users numbered above this stop at their next iteration and are not replaced ({@link #shed}). */
    private final AtomicLong keepUpTo = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong shedVus = new AtomicLong();
    /** Iterations in the windows emitted so far. */
    private final AtomicLong completedIterations = new AtomicLong();
    /** Open model: iterations started, and iterations due that found no free virtual user. */
    private final AtomicLong openStarted = new AtomicLong();
    private final AtomicLong openDropped = new AtomicLong();

    private long startNanos;
    private long deadlineNanos = Long.MAX_VALUE;
    private long windowStartMillis;
    private volatile long windowTimer = -1;
    /** The windows emitted so far, in order: the next merges once this has. Guarded by {@code emitLock}. */
    private CompletableFuture<Void> emitted = CompletableFuture.completedFuture(null);
    private final TargetGuard targets;
    /** The values of the secrets the workflow's steps name, as this worker knows them; never sent anywhere else. */
    private final Map<String, String> secretValues;
    /** By step: the secrets it sends that are bound to hosts, and those hosts. */
    private final List<Map<String, TargetPolicy.Hosts>> boundSecrets;
    /** By step: the secrets its URL names, which must never end up in the host (its lookup would send them out). */
    private final List<List<String>> urlSecrets;
    private final Object emitLock = new Object();

    WorkflowRun(Vertx vertx, Clock clock, LongSupplier nanoTime, List<Context> contexts, HttpClientFactory clients,
            TargetGuard targets, WorkerSecrets secrets, WorkflowShare share, Consumer<WorkflowWindow> windows) {
        this.targets = targets;
        // Read once, here, off the event loops: a secret the worker does not know stays missing, and
        // each request needing it is counted as not sent (missing_secret:<name>); one bound to hosts
        // goes to those only (secret_not_for_host:<name>).
        Map<String, String> known = new HashMap<>();
        Map<String, Optional<WorkerSecrets.Binding>> bindings = new HashMap<>();
        List<Map<String, TargetPolicy.Hosts>> bound = new ArrayList<>();
        for (StepSpec step : share.workflow().steps()) {
            Map<String, TargetPolicy.Hosts> stepBound = new LinkedHashMap<>();
            for (String name : step.secrets()) {
                if (!bindings.containsKey(name)) {
                    String value = secrets.apply(name);
                    if (value != null) {
                        known.put(name, value);
                    }
                    Optional<WorkerSecrets.Binding> binding = secrets.hosts(name);
                    binding.ifPresent(hosts -> hosts.problems().forEach(problem -> LOG.warnf(
                            "the hosts of secret %s: %s (left out)", name, problem)));
                    bindings.put(name, binding);
                }
                bindings.get(name).ifPresent(binding -> stepBound.put(name, binding.hosts()));
            }
            bound.add(Map.copyOf(stepBound));
        }
        this.secretValues = Map.copyOf(known);
        this.boundSecrets = List.copyOf(bound);
        this.urlSecrets = share.workflow().steps().stream().map(step -> List.copyOf(step.request().url().secrets()))
                .toList();
        this.vertx = vertx;
        this.clock = clock;
        this.nanoTime = nanoTime;
        this.share = share;
        this.workflow = share.workflow();
        this.windows = windows;
        this.totals = new WorkflowAccumulator(workflow.name());
        this.exported = Set.copyOf(workflow.exports());
        List<CompiledStep> compiled = new ArrayList<>();
        for (int i = 0; i < workflow.steps().size(); i++) {
            compiled.add(new CompiledStep(workflow.steps().get(i), i));
        }
        this.steps = List.copyOf(compiled);
        int laneCount = workflow.load() instanceof WorkflowSpec.Closed
                ? Math.max(1, Math.min(contexts.size(), share.vus())) : contexts.size();
        int perLane = workflow.load() instanceof WorkflowSpec.Closed
                ? (share.vus() + laneCount - 1) / laneCount
                : Math.max(1, (share.maxVus() + laneCount - 1) / laneCount);
        int connections = workflow.http().connections().orElse(Math.max(1, perLane));
        for (int i = 0; i < laneCount; i++) {
            lanes.add(new Lane(contexts.get(i), clients.create(workflow.http(), connections),
                    new SplittableRandom(share.seed() + i)));
        }
    }

    /** Completes when the run has ended and its last window has been emitted. */
    public CompletableFuture<WorkflowResult> completion() {
        return completion;
    }

    /** Stops all load now: in-flight requests are abandoned and counted as interrupted. */
    public void cancel() {
        if (cancelled.compareAndSet(false, true)) {
            stopping.set(true);
            scheduleDone.set(true);
            for (Lane lane : lanes) {
                lane.context.runOnContext(v -> lane.interruptAll());
            }
            checkFinished();
        }
    }

    /**
     * Gives up the newest {@code count} virtual users of this run, to save a worker running out of
     * memory: each stops when its current iteration ends (its requests in flight complete and
     * count), and none replaces it. In the open model the run has that many fewer virtual users to
     * start iterations with, so arrivals beyond them are dropped iterations, counted as such.
     *
     * @return how many virtual users this run has given up in all
     */
    public long shed(int count) {
        long first = share.firstVu();
        long slots = workflow.load() instanceof WorkflowSpec.Closed ? share.vus() : share.maxVus();
        long before = Math.min(keepUpTo.get(), first + slots - 1);
        long after = Math.max(first - 1, before - Math.max(0, count));
        keepUpTo.set(after);
        shedVus.set(first + slots - 1 - after);
        return shedVus.get();
    }

    /**
     * How far a run bounded by iterations alone is, 0..1: the iterations done (as emitted in
     * windows) of all it must run; empty for a run its duration bounds (it ends with its
     * duration) or an arrival-rate run.
     */
    public OptionalDouble progress() {
        if (workflow.load() instanceof WorkflowSpec.Closed closed && closed.duration().isEmpty()
                && closed.iterations().isPresent()) {
            double total = (double) share.vus() * closed.iterations().get();
            return OptionalDouble.of(total == 0 ? 1 : Math.min(1, completedIterations.get() / total));
        }
        return OptionalDouble.empty();
    }

    /**
     * Arrival-rate runs: iterations started and iterations due so far (started plus those dropped
     * for want of a free virtual user); null for a closed-model run, which sets its own pace.
     */
    public long[] arrivals() {
        if (workflow.load() instanceof WorkflowSpec.Closed) {
            return null;
        }
        long started = openStarted.get();
        return new long[] { started, started + openDropped.get() };
    }

    /** Virtual users running now. */
    public long activeVus() {
        return running.get();
    }

    /** Virtual users given up by {@link #shed}. */
    public long shedVus() {
        return shedVus.get();
    }

    // ------------------------------------------------------------------ start

    void start() {
        startNanos = nanoTime.getAsLong();
        windowStartMillis = clock.millis();
        workflow.load().duration().ifPresent(duration -> deadlineNanos = startNanos + duration.toNanos());
        scheduleWindow(windowStartMillis);
        if (workflow.load().duration().isPresent()) {
            long untilEnd = Math.max(1, workflow.load().duration().get().toMillis());
            vertx.setTimer(untilEnd, id -> beginStopping());
        }
        if (workflow.load() instanceof WorkflowSpec.Closed) {
            startClosed();
        } else {
            startOpen((WorkflowSpec.Open) workflow.load());
        }
    }

    private void startClosed() {
        scheduleDone.set(true);
        int vus = share.vus();
        running.set(vus);
        if (vus == 0) {
            checkFinished();
            return;
        }
        long iterations = ((WorkflowSpec.Closed) workflow.load()).iterations().orElse(Long.MAX_VALUE);
        for (int i = 0; i < vus; i++) {
            Lane lane = lanes.get(i % lanes.size());
            long number = share.firstVu() + i;
            lane.context.runOnContext(v -> {
                VirtualUser vu = new VirtualUser(lane, number, iterations);
                lane.activeVus++;
                lane.nextIteration(vu);
            });
        }
    }

    private void startOpen(WorkflowSpec.Open open) {
        for (long i = 0; i < share.maxVus(); i++) {
            freeVuNumbers.add(share.firstVu() + i);
        }
        ArrivalSchedule schedule = new ArrivalSchedule(open.rate(), open.stages(), share.rateFactor());
        Lane scheduler = lanes.get(0);
        scheduler.context.runOnContext(v -> scheduleArrivals(schedule, schedule.nextArrivalNanos(), 0));
    }

    /**
     * Starts every iteration that is due, then sleeps until the next one. Runs on the first lane;
     * iterations go to the lanes in turn, each carrying its intended start time.
     */
    private void scheduleArrivals(ArrivalSchedule schedule, long nextArrival, int nextLane) {
        long arrival = nextArrival;
        int lane = nextLane;
        while (arrival >= 0 && !stopping.get()) {
            long now = nanoTime.getAsLong() - startNanos;
            if (arrival > now) {
                long delayMillis = Math.max(1, (arrival - now) / 1_000_000);
                long due = arrival;
                int laneForNext = lane;
                vertx.setTimer(delayMillis, id -> scheduleArrivals(schedule, due, laneForNext));
                return;
            }
            startOpenIteration(lanes.get(lane), startNanos + arrival);
            lane = (lane + 1) % lanes.size();
            arrival = schedule.nextArrivalNanos();
        }
        scheduleDone.set(true);
        checkFinished();
    }

    private void startOpenIteration(Lane lane, long intendedStartNanos) {
        Long free = freeVuNumbers.poll();
        while (free != null && free > keepUpTo.get()) {
            free = freeVuNumbers.poll(); // given up: never used again
        }
        if (free == null) {
            dropped.incrementAndGet();
            openDropped.incrementAndGet();
            return;
        }
        openStarted.incrementAndGet();
        long number = free;
        running.incrementAndGet();
        lane.context.runOnContext(v -> {
            VirtualUser vu = new VirtualUser(lane, number, 1);
            lane.activeVus++;
            vu.openStart = intendedStartNanos;
            lane.nextIteration(vu);
        });
    }

    // ------------------------------------------------------------------ stop

    private void beginStopping() {
        if (stopping.compareAndSet(false, true)) {
            scheduleDone.set(true);
            long grace = Math.max(1, workflow.gracefulStop().toMillis());
            vertx.setTimer(grace, id -> {
                for (Lane lane : lanes) {
                    lane.context.runOnContext(v -> lane.interruptAll());
                }
            });
            for (Lane lane : lanes) {
                lane.context.runOnContext(v -> lane.cutThinking());
            }
        }
        checkFinished();
    }

    private void vuFinished() {
        running.decrementAndGet();
        checkFinished();
    }

    private void checkFinished() {
        if (scheduleDone.get() && running.get() == 0) {
            // Under the lock a window timer takes too: the last window is emitted after any window begun before it.
            synchronized (emitLock) {
                if (finishing.compareAndSet(false, true)) {
                    vertx.cancelTimer(windowTimer);
                    emitWindow(-1);
                }
            }
        }
    }

    // ------------------------------------------------------------------ windows

    /**
     * Ends the current window at the next multiple of the window's length on the clock, so that
     * every worker's windows cover the same seconds and merge per second downstream.
     */
    private void scheduleWindow(long after) {
        long interval = share.window().toMillis();
        long now = clock.millis();
        long boundary = (Math.floorDiv(Math.max(now, after), interval) + 1) * interval;
        windowTimer = vertx.setTimer(Math.max(1, boundary - now), id -> {
            synchronized (emitLock) {
                if (finishing.get()) {
                    return;
                }
                emitWindow(boundary);
            }
            scheduleWindow(boundary);
        });
    }

    /**
     * Drains every lane on its own thread, merges, and hands the window on. Called under {@code
     * emitLock}; windows merge in the order they were begun, each after the one before.
     *
     * @param endMillis where the window ends on the clock, or -1 for the last window, which ends now
     */
    private void emitWindow(long endMillis) {
        boolean last = endMillis < 0;
        List<CompletableFuture<WorkflowWindow>> parts = new ArrayList<>();
        for (Lane lane : lanes) {
            CompletableFuture<WorkflowWindow> part = new CompletableFuture<>();
            lane.context.runOnContext(v -> part.complete(lane.drain()));
            parts.add(part);
        }
        CompletableFuture<Void> drained = CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new));
        // Whatever became of the window before (handle), this one merges after it.
        emitted = emitted.handle((before, failure) -> before).thenCombine(drained, (before, now) -> now).thenRun(() -> {
            WorkflowWindow window;
            WorkflowResult result = null;
            synchronized (emitLock) {
                long end = Math.max(windowStartMillis, last ? clock.millis() : endMillis);
                WorkflowAccumulator merged = new WorkflowAccumulator(workflow.name());
                parts.stream().map(CompletableFuture::join).forEach(merged::addConcurrent);
                WorkflowWindow raw = merged.toWindow();
                window = new WorkflowWindow(workflow.name(), windowStartMillis, end, raw.iterations(),
                        dropped.getAndSet(0), raw.activeVus(), raw.steps());
                windowStartMillis = end;
                totals.addLater(window);
                completedIterations.addAndGet(window.iterations());
                if (last) {
                    Map<String, String> exports = new LinkedHashMap<>();
                    lanes.forEach(lane -> exports.putAll(lane.exports));
                    for (Lane lane : lanes) {
                        lane.client.close();
                    }
                    result = new WorkflowResult(workflow.name(),
                            cancelled.get() ? WorkflowResult.Outcome.CANCELLED : WorkflowResult.Outcome.COMPLETED,
                            totals.toWindow(), exports);
                }
            }
            // Outside the lock: listeners take locks of their own (a runner's), which may be held by a thread
            // waiting for this lock to cancel or start a run. The chain keeps windows in order all the same.
            try {
                windows.accept(window);
            } catch (RuntimeException e) {
                // A listener's failure must not stop the load or lose the totals.
            }
            if (result != null) {
                completion.complete(result);
            }
        });
    }

    // ------------------------------------------------------------------ lanes

    /** The part of the run on one event loop. Every method runs on that event loop's thread. */
    private final class Lane {
        final Context context;
        final HttpClient client;
        final RandomGenerator random;
        final StepRecorder[] recorders;
        final Set<Exchange> inFlight = new HashSet<>();
        final Set<VirtualUser> thinking = new HashSet<>();
        final Map<String, String> exports = new HashMap<>();
        long iterations;
        long activeVus;

        Lane(Context context, HttpClient client, RandomGenerator random) {
            this.context = context;
            this.client = client;
            this.random = random;
            this.recorders = new StepRecorder[steps.size()];
            for (int i = 0; i < steps.size(); i++) {
                StepSpec spec = steps.get(i).spec;
                recorders[i] = new StepRecorder(spec.name(), spec.checks().stream().map(StepSpec.Check::name).toList());
            }
        }

        WorkflowWindow drain() {
            List<StepWindow> stepWindows = new ArrayList<>(recorders.length);
            for (StepRecorder recorder : recorders) {
                stepWindows.add(recorder.drain());
            }
            WorkflowWindow window = new WorkflowWindow(workflow.name(), 0, 0, iterations, 0, activeVus, stepWindows);
            iterations = 0;
            return window;
        }

        void nextIteration(VirtualUser vu) {
            boolean open = vu.openStart >= 0;
            long now = nanoTime.getAsLong();
            if (stopping.get() || vu.iterationsLeft == 0 || (!open && now >= deadlineNanos)
                    || vu.number > keepUpTo.get()) {
                finish(vu);
                return;
            }
            vu.iterationsLeft--;
            vu.iteration++;
            vu.extracted.clear();
            runStep(vu, 0, open ? vu.openStart : now);
        }

        void finish(VirtualUser vu) {
            if (vu.finished) {
                return;
            }
            vu.finished = true;
            activeVus--;
            thinking.remove(vu);
            if (vu.openStart >= 0 && vu.number <= keepUpTo.get()) {
                freeVuNumbers.add(vu.number);
            }
            vuFinished();
        }

        void runStep(VirtualUser vu, int index, long intendedStartNanos) {
            CompiledStep step = steps.get(index);
            RequestOptions options;
            Buffer body;
            try {
                options = step.options(vu);
                body = step.body(vu);
            } catch (Template.MissingVariableException e) {
                recorders[index].notSent(FailureReasons.missingVariable(e.variable()));
                afterStep(vu, index);
                return;
            } catch (IllegalArgumentException e) {
                recorders[index].notSent(FailureReasons.INVALID_URL);
                afterStep(vu, index);
                return;
            }
            Optional<String> inHost = secretInHost(index, options.getHost());
            if (inHost.isPresent()) {
                // Looking the host up would hand the secret to whoever answers for the name.
                recorders[index].notSent(FailureReasons.secretInHost(inHost.get()));
                afterStep(vu, index);
                return;
            }
            if (!boundSecrets.get(index).isEmpty()) {
                // A redirect (a 307 re-sends the body) could take a bound secret elsewhere.
                options.setFollowRedirects(false);
            }
            // The target is judged before anything is sent: at once for a host judged lately, else
            // after a lookup off the event loop, which completes back on this lane's.
            Future<SocketAddress> admitted = targets.admit(options.getHost(), options.getPort());
            if (admitted.isComplete()) {
                send(vu, index, intendedStartNanos, options, body, admitted);
            } else {
                admitted.onComplete(done -> send(vu, index, intendedStartNanos, options, body, admitted));
            }
        }

        private void send(VirtualUser vu, int index, long intendedStartNanos, RequestOptions options, Buffer body,
                Future<SocketAddress> admitted) {
            CompiledStep step = steps.get(index);
            if (stopping.get()) {
                // Stopped while the target's name was being looked up: nothing more is sent, and the
                // virtual user ends, as one cut off mid-request does.
                finish(vu);
                return;
            }
            if (admitted.failed() && admitted.cause() instanceof TargetGuard.DeniedException) {
                recorders[index].notSent(FailureReasons.DENIED);
                afterStep(vu, index);
                return;
            }
            if (admitted.succeeded()) {
                Optional<String> elsewhere = notBoundTo(index, options.getHost(), admitted.result());
                if (elsewhere.isPresent()) {
                    recorders[index].notSent(FailureReasons.secretNotForHost(elsewhere.get()));
                    afterStep(vu, index);
                    return;
                }
            }
            Exchange exchange = new Exchange(vu, step, intendedStartNanos, body == null ? 0 : body.length());
            if (admitted.failed()) {
                // Its name does not resolve (or the lookup failed): a failure, as a refused connection is.
                inFlight.add(exchange);
                exchange.fail(FailureReasons.classify(admitted.cause()));
                return;
            }
            options.setServer(admitted.result());
            inFlight.add(exchange);
            exchange.timer = vertx.setTimer(Math.max(1, step.timeoutMillis), id -> exchange.fail(FailureReasons.TIMEOUT));
            client.request(options).onComplete(requested -> {
                if (requested.failed()) {
                    exchange.fail(FailureReasons.classify(requested.cause()));
                    return;
                }
                HttpClientRequest request = requested.result();
                if (exchange.done) {
                    request.reset();
                    return;
                }
                exchange.request = request;
                (body == null ? request.send() : request.send(body)).onComplete(sent -> {
                    if (sent.failed()) {
                        exchange.fail(FailureReasons.classify(sent.cause()));
                    } else {
                        receive(exchange, sent.result());
                    }
                });
            });
        }

        /**
         * A secret of step {@code index}'s URL whose value is in the request's host, if any, in any
         * case: a name is looked up whatever its case.
         */
        private Optional<String> secretInHost(int index, String host) {
            List<String> names = urlSecrets.get(index);
            if (names.isEmpty()) {
                return Optional.empty();
            }
            String lowered = host.toLowerCase(Locale.ROOT);
            for (String name : names) {
                String value = secretValues.get(name);
                if (value != null && !value.isEmpty() && lowered.contains(value.toLowerCase(Locale.ROOT))) {
                    return Optional.of(name);
                }
            }
            return Optional.empty();
        }

        /** A secret step {@code index} sends that is bound to hosts other than this request's, if any. */
        private Optional<String> notBoundTo(int index, String host, SocketAddress address) {
            Map<String, TargetPolicy.Hosts> bound = boundSecrets.get(index);
            if (bound.isEmpty()) {
                return Optional.empty();
            }
            InetAddress resolved;
            try {
                // The address the target was judged at, as a literal: parsed, never looked up.
                if (address.hostAddress() == null) {
                    return bound.keySet().stream().findFirst();
                }
                resolved = InetAddress.getByName(address.hostAddress());
            } catch (UnknownHostException e) {
                return bound.keySet().stream().findFirst();
            }
            return bound.entrySet().stream().filter(entry -> !entry.getValue().contain(host, resolved))
                    .map(Map.Entry::getKey).findFirst();
        }

        private void receive(Exchange exchange, HttpClientResponse response) {
            if (exchange.done) {
                return;
            }
            if (exchange.step.needsBody) {
                response.body().onComplete(read -> {
                    if (read.failed()) {
                        exchange.fail(FailureReasons.classify(read.cause()));
                    } else {
                        byte[] bytes = read.result().getBytes();
                        exchange.received = bytes.length;
                        exchange.complete(response, bytes);
                    }
                });
            } else {
                response.handler(chunk -> exchange.received += chunk.length());
                response.end().onComplete(ended -> {
                    if (ended.failed()) {
                        exchange.fail(FailureReasons.classify(ended.cause()));
                    } else {
                        exchange.complete(response, null);
                    }
                });
            }
        }

        void afterStep(VirtualUser vu, int index) {
            if (vu.finished) {
                return;
            }
            int next = index + 1;
            StepSpec spec = steps.get(index).spec;
            if (spec.think().isPresent() && !stopping.get()) {
                long millis = thinkMillis(spec.think().get());
                thinking.add(vu);
                vu.thinkTimer = vertx.setTimer(Math.max(1, millis), id -> {
                    thinking.remove(vu);
                    vu.thinkTimer = -1;
                    continueAfter(vu, next);
                });
                return;
            }
            continueAfter(vu, next);
        }

        private void continueAfter(VirtualUser vu, int next) {
            if (vu.finished) {
                return;
            }
            if (next < steps.size()) {
                runStep(vu, next, nanoTime.getAsLong());
                return;
            }
            iterations++;
            if (vu.openStart >= 0) {
                finish(vu);
            } else {
                // A fresh task per iteration keeps the stack flat when requests fail at once.
                context.runOnContext(v -> nextIteration(vu));
            }
        }

        private long thinkMillis(StepSpec.ThinkTime think) {
            long min = think.min().toMillis();
            long max = think.max().toMillis();
            return min == max ? min : random.nextLong(min, max + 1);
        }

        /** Stopping: nobody waits out a think time, they move on (and find no new iteration). */
        void cutThinking() {
            for (VirtualUser vu : List.copyOf(thinking)) {
                if (vu.thinkTimer >= 0) {
                    vertx.cancelTimer(vu.thinkTimer);
                    vu.thinkTimer = -1;
                }
                thinking.remove(vu);
                finish(vu);
            }
        }

        /** Abandons every in-flight request (counted as interrupted) and ends every virtual user here. */
        void interruptAll() {
            for (Exchange exchange : List.copyOf(inFlight)) {
                exchange.interrupt();
            }
            cutThinking();
        }

        /** A request in flight, and its outcome. */
        private final class Exchange {
            final VirtualUser vu;
            final CompiledStep step;
            final long startNanos;
            final long sent;
            long received;
            long timer = -1;
            HttpClientRequest request;
            boolean done;

            Exchange(VirtualUser vu, CompiledStep step, long startNanos, long sent) {
                this.vu = vu;
                this.step = step;
                this.startNanos = startNanos;
                this.sent = sent;
            }

            private long latencyMicros() {
                return (nanoTime.getAsLong() - startNanos) / 1_000;
            }

            private boolean close() {
                if (done) {
                    return false;
                }
                done = true;
                inFlight.remove(this);
                if (timer >= 0) {
                    vertx.cancelTimer(timer);
                }
                return true;
            }

            /** A failed request: recorded, and the virtual user moves on to its next step. */
            void fail(String reason) {
                if (abandon(reason)) {
                    afterStep(vu, step.index);
                }
            }

            /** Cut off by a stop or cancel: recorded, and the virtual user ends. */
            void interrupt() {
                if (abandon(FailureReasons.INTERRUPTED)) {
                    finish(vu);
                }
            }

            private boolean abandon(String reason) {
                if (!close()) {
                    return false;
                }
                if (request != null) {
                    request.reset();
                }
                recorders[step.index].failure(reason, latencyMicros(), sent, received);
                return true;
            }

            void complete(HttpClientResponse response, byte[] body) {
                if (!close()) {
                    return;
                }
                long latency = latencyMicros();
                ResponseEvaluator.Response seen = new ResponseEvaluator.Response(response.statusCode(),
                        response::getHeader, body, latency);
                StepRecorder recorder = recorders[step.index];
                String failure = null;
                for (int i = 0; i < step.checks.size(); i++) {
                    StepSpec.Check check = step.checks.get(i);
                    boolean passed = ResponseEvaluator.passes(check, seen);
                    recorder.check(i, passed);
                    if (!passed && failure == null) {
                        failure = FailureReasons.check(check.name());
                    }
                }
                if (failure == null && !step.checksStatus) {
                    failure = FailureReasons.forStatus(response.statusCode());
                }
                if (failure == null) {
                    recorder.success(latency, sent, received);
                } else {
                    recorder.failure(failure, latency, sent, received);
                }
                if (!step.spec.extract().isEmpty()) {
                    ResponseEvaluator.extract(step.spec.extract(), seen, vu.extracted);
                    for (StepSpec.Extract extract : step.spec.extract()) {
                        String value = vu.extracted.get(extract.variable());
                        if (value != null && exported.contains(extract.variable())) {
                            exports.put(extract.variable(), value);
                        }
                    }
                }
                afterStep(vu, step.index);
            }
        }
    }

    /** A virtual user: its number, its iteration, and the values it extracted in this iteration. */
    private final class VirtualUser implements Template.Scope {
        final Lane lane;
        final long number;
        final Map<String, String> extracted = new HashMap<>();
        long iterationsLeft;
        long iteration = -1;
        long openStart = -1;
        long thinkTimer = -1;
        boolean finished;

        VirtualUser(Lane lane, long number, long iterations) {
            this.lane = lane;
            this.number = number;
            this.iterationsLeft = iterations;
        }

        @Override
        public String variable(String name) {
            String value = extracted.get(name);
            return value != null ? value : share.variables().get(name);
        }

        @Override
        public String secret(String name) {
            return secretValues.get(name);
        }

        @Override
        public long vu() {
            return number;
        }

        @Override
        public long iteration() {
            return iteration;
        }

        @Override
        public long nextSequence() {
            return sequence.incrementAndGet();
        }

        @Override
        public RandomGenerator random() {
            return lane.random;
        }

        @Override
        public long epochMillis() {
            return clock.millis();
        }
    }

    /** Makes one HTTP client per lane. */
    interface HttpClientFactory {
        HttpClient create(WorkflowSpec.HttpOptions options, int connections);
    }
}
