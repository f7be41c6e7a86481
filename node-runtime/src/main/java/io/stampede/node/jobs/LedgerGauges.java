package io.stampede.node.jobs;

import java.util.function.IntSupplier;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Publishes a job ledger's size: {@code stampede_jobs_retained} (jobs held whole, running or
 * ended within their retention) and {@code stampede_jobs_tombstones}. Each role registers its one
 * ledger; the suppliers read it under its owner's lock.
 */
public final class LedgerGauges {

    private LedgerGauges() {
    }

    public static void register(MeterRegistry registry, IntSupplier retained, IntSupplier tombstones) {
        Gauge.builder("stampede.jobs.retained", retained::getAsInt)
                .description("Jobs this node holds whole: running, or ended within their retention")
                .register(registry);
        Gauge.builder("stampede.jobs.tombstones", tombstones::getAsInt)
                .description("Ids of released jobs kept to turn away their redelivered records")
                .register(registry);
    }
}
