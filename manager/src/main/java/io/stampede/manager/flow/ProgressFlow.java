package io.stampede.manager.flow;

import java.time.Clock;
import java.time.Duration;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.stampede.cluster.overload.BackpressureGauge;
import io.stampede.model.load.Backpressure;
import io.stampede.node.config.NodeIdentity;
import io.stampede.node.load.NodeLoad;

/**
 * How far behind this manager is on its progress topic, and the backpressure level that calls
 * for ({@link BackpressureGauge}). Each progress record read is measured by its age (now minus
 * the time its worker sent it): that is the manager's record apply lag, which is also its
 * critical-work latency for its {@link NodeLoad}. Once a second the coordinator asks for the
 * level; the oldest record of that second decides it.
 */
@Singleton
public class ProgressFlow {

    private static final Logger LOG = Logger.getLogger(ProgressFlow.class);

    private final Clock clock;
    private final NodeLoad load;
    private final BackpressureGauge gauge = BackpressureGauge.DEFAULT;
    private BackpressureGauge.Reading reading = BackpressureGauge.initial();
    /** The oldest record read since the last tick, in ms behind; −1 when none was read. */
    private long behindMillis = -1;

    private final long startedAtMillis;

    public ProgressFlow(Clock clock, NodeLoad load, NodeIdentity identity) {
        this.clock = clock;
        this.load = load;
        this.startedAtMillis = identity.startedAt().toEpochMilli();
    }

    void register(@Observes StartupEvent event, MeterRegistry registry) {
        Gauge.builder("stampede.manager.backpressure", () -> level().ordinal())
                .description("What this manager asks its workers for: 0 NONE, 1 THROTTLE (2 s windows), "
                        + "2 BATCH (5 s), 3 REJECT (10 s)").register(registry);
    }

    /**
     * A progress record sent at {@code sentAtMillis} (its Kafka timestamp) is being applied now. A
     * record sent before this manager started is history it reads back at start (every manager
     * reads its topics from the beginning), not a flow it falls behind on: not measured.
     */
    public void applying(long sentAtMillis) {
        if (sentAtMillis < startedAtMillis) {
            return;
        }
        long behind = Math.max(0, clock.millis() - sentAtMillis);
        load.observe(Duration.ofMillis(behind));
        synchronized (this) {
            behindMillis = Math.max(behindMillis, behind);
        }
    }

    /** Judges the level from what was read since the last call; called once a second. */
    public synchronized Backpressure tick() {
        long now = clock.millis();
        Backpressure before = reading.level();
        reading = behindMillis < 0 ? gauge.idle(reading, now)
                : gauge.next(reading, 0, Duration.ofMillis(behindMillis), now);
        if (reading.level() != before) {
            LOG.infof("backpressure %s -> %s (%d ms behind on progress)", before, reading.level(),
                    Math.max(0, behindMillis));
        }
        behindMillis = -1;
        return reading.level();
    }

    public synchronized Backpressure level() {
        return reading.level();
    }
}
