package io.stampede.node.load;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.time.Duration;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.stampede.cluster.overload.OverloadDetector;
import io.stampede.model.load.LoadState;
import io.stampede.node.config.NodeConfig;
import io.vertx.core.Vertx;

/**
 * This node's load state, judged once a second by an {@link OverloadDetector} from three inputs:
 * the node's own critical work ({@link #observe}: a gate's request handling, a manager's record
 * apply lag; the larger of that second's mean and the event loop's lag, which is how late this
 * very timer fires), the process's CPU ({@code OperatingSystemMXBean#getProcessCpuLoad}, the
 * share of the whole machine) and its heap (used over maximum), each smoothed over about 5 s so
 * one collection or one busy second does not flip the state. A role may add a floor to the state
 * (a worker's memory guard) with {@link #floor}.
 */
@Singleton
public class NodeLoad {

    private static final Logger LOG = Logger.getLogger(NodeLoad.class);
    /** How often the state is judged, in milliseconds. */
    static final long TICK_MILLIS = 1_000;
    /** The weight of a new CPU or heap reading: about a 5 s average at one reading a second. */
    static final double SMOOTHING = 0.3;
    /** How long after start nothing is judged, in nanoseconds. */
    static final long WARM_UP_NANOS = 10_000_000_000L;
    /**
     * The CPU average before its first reading: idle. Started from its first reading instead, one
     * busy second (the first after a start on a busy machine) would make a node OVERLOADED at once.
     */
    static final double CPU_BEFORE_ANY_READING = 0;

    private Vertx vertx;
    private final OverloadDetector detector;
    /** The process's CPU since the last call, a share of the machine; NaN when unknown. */
    private final DoubleSupplier processCpu;
    /** The critical work seen since the last tick: total microseconds and count, guarded by {@code work}. */
    private final Object work = new Object();
    private long sumMicros;
    private long count;
    private volatile Supplier<LoadState> floor = () -> LoadState.HEALTHY;
    private volatile OverloadDetector.Signals signals;
    private volatile LoadState state = LoadState.HEALTHY;
    private double cpu;
    private double heap = Double.NaN;
    private long timer = -1;
    private long expectedAt;
    private long startedAt;

    /** Needs no Vert.x until start-up, so that beans built early may depend on it. */
    @Inject
    public NodeLoad(NodeConfig config) {
        this(config.overload().latencyFloor(),
                ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                        ? os::getProcessCpuLoad : null);
    }

    /** With {@code processCpu} the process's CPU since its last call, or null where it cannot be read. */
    NodeLoad(Duration latencyFloor, DoubleSupplier processCpu) {
        OverloadDetector.Thresholds defaults = OverloadDetector.DEFAULTS;
        this.detector = new OverloadDetector(new OverloadDetector.Thresholds(defaults.alpha(), defaults.window(),
                defaults.trendWindow(), defaults.minSamples(), latencyFloor.toMillis(),
                defaults.delta(), defaults.trendOverloaded(), defaults.latencyMillis(), defaults.cpu(),
                defaults.memory()));
        this.processCpu = processCpu == null ? () -> Double.NaN : processCpu;
        this.signals = detector.signals();
        this.cpu = processCpu == null ? Double.NaN : CPU_BEFORE_ANY_READING;
    }

    void start(@Observes StartupEvent event, MeterRegistry registry, Vertx vertx) {
        this.vertx = vertx;
        Gauge.builder("stampede.node.load", () -> state.ordinal())
                .description("This node's load state: 0 HEALTHY, 1 BUSY, 2 STRESSED, 3 OVERLOADED").register(registry);
        Gauge.builder("stampede.node.load.cpu", () -> signals.cpu())
                .description("The process's CPU as a smoothed fraction of the machine").register(registry);
        Gauge.builder("stampede.node.load.heap", () -> signals.memory())
                .description("The heap in use as a smoothed fraction of the maximum").register(registry);
        Gauge.builder("stampede.node.load.latency", () -> signals.recentMillis())
                .description("The median latency of this node's critical work over its last 10 readings, in ms")
                .baseUnit("milliseconds").register(registry);
        started(System.nanoTime());
        timer = vertx.setPeriodic(TICK_MILLIS, id -> tick(System.nanoTime()));
    }

    /** Judging starts {@value #WARM_UP_NANOS} ns after {@code now}. */
    void started(long now) {
        startedAt = now;
        expectedAt = startedAt + TICK_MILLIS * 1_000_000;
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** One piece of this node's critical work took {@code took}. Thread-safe. */
    public void observe(Duration took) {
        synchronized (work) {
            sumMicros += Math.max(0, took.toNanos() / 1_000);
            count++;
        }
    }

    /** A state this node is at least in, whatever the detector says (a worker's memory guard). */
    public void floor(Supplier<LoadState> floor) {
        this.floor = floor;
    }

    public LoadState state() {
        return state;
    }

    public OverloadDetector.Signals signals() {
        return signals;
    }

    /** One second's judgement, at {@code now} (nanoseconds, as {@link System#nanoTime}). */
    void tick(long now) {
        double loopLagMillis = Math.max(0, now - expectedAt) / 1e6;
        expectedAt = now + TICK_MILLIS * 1_000_000;
        if (now - startedAt < WARM_UP_NANOS) {
            // Class loading and compilation make every node slow and busy in its first seconds:
            // that is not load, and judging it would keep a starting node from being ready.
            synchronized (work) {
                count = 0;
                sumMicros = 0;
            }
            // Read and dropped: the first judged reading then covers its own second, not the start.
            processCpu.getAsDouble();
            state = LoadState.HEALTHY.worst(floor.get());
            return;
        }
        long n;
        long micros;
        synchronized (work) {
            n = count;
            micros = sumMicros;
            count = 0;
            sumMicros = 0;
        }
        double work = n == 0 ? 0 : micros / 1_000.0 / n;
        synchronized (this) {
            detector.latency(Math.max(work, loopLagMillis));
            cpu = smooth(cpu, processCpu.getAsDouble());
            MemoryUsage usage = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
            heap = smooth(heap, usage.getMax() > 0 ? usage.getUsed() / (double) usage.getMax() : Double.NaN);
            detector.resources(cpu, heap);
            OverloadDetector.Signals judged = detector.signals();
            LoadState next = judged.state().worst(floor.get());
            if (next != state) {
                LOG.infof("load %s -> %s (latency %.1f ms against %.1f ms, cpu %.2f, heap %.2f)", state, next,
                        judged.recentMillis(), judged.baselineMillis(), judged.cpu(), judged.memory());
            }
            signals = judged;
            state = next;
        }
    }

    /** The average after one more reading (each a weight of {@value #SMOOTHING}); unknown readings change nothing. */
    static double smooth(double before, double reading) {
        if (!(reading >= 0)) {
            return before;
        }
        return Double.isNaN(before) ? reading : before + SMOOTHING * (reading - before);
    }
}
