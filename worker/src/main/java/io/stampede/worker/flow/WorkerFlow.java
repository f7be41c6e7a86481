package io.stampede.worker.flow;

import java.time.Clock;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.stampede.model.load.Backpressure;

/**
 * The backpressure this worker's manager asks for ({@code datacenter.backpressure}), under the
 * leader's fence: a level from an older leader is ignored. A level not repeated for
 * {@value #EXPIRES_AFTER_MILLIS} ms lapses to NONE, and its fence with it, so a manager that is
 * gone cannot leave the worker batching, nor a fence it claimed (a taken-over manager may claim
 * one far above the real leader's) keep the worker from hearing the next leader.
 */
@Singleton
public class WorkerFlow {

    private static final Logger LOG = Logger.getLogger(WorkerFlow.class);
    /** A level not repeated for this long lapses (the leader repeats it every 5 s). */
    static final long EXPIRES_AFTER_MILLIS = 15_000;

    private final Clock clock;
    private Backpressure level = Backpressure.NONE;
    private long fence = -1;
    private long heardAtMillis;

    public WorkerFlow(Clock clock) {
        this.clock = clock;
    }

    void register(@Observes StartupEvent event, MeterRegistry registry) {
        Gauge.builder("stampede.worker.backpressure", () -> level().ordinal())
                .description("What this worker's manager asks for: 0 NONE (1 s windows), 1 THROTTLE (2 s), "
                        + "2 BATCH (5 s), 3 REJECT (10 s)").register(registry);
    }

    /** The leader under {@code fence} asks for {@code asked}. */
    public synchronized void heard(long fence, Backpressure asked) {
        if (fence < this.fence && !lapsed()) {
            return;
        }
        if (asked != level()) {
            LOG.infof("backpressure %s -> %s", level(), asked);
        }
        this.fence = fence;
        this.level = asked;
        this.heardAtMillis = clock.millis();
    }

    public synchronized Backpressure level() {
        return lapsed() ? Backpressure.NONE : level;
    }

    private boolean lapsed() {
        return clock.millis() - heardAtMillis > EXPIRES_AFTER_MILLIS;
    }
}
