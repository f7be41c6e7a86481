package io.stampede.worker.flow;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.stampede.model.stats.WorkflowAccumulator;
import io.stampede.model.stats.WorkflowWindow;

/**
 * Merges one share's consecutive windows until they reach a multiple of the window the
 * backpressure level asks for on the clock (or span it), then sends them as one. Merging is exact ({@link WorkflowAccumulator#addLater}), so totals
 * and percentiles are unchanged; only the live view is coarser. At NONE each window goes out as
 * it comes. {@link #flush} sends what is held (before the share's final result). Thread-safe.
 */
public final class WindowBatcher implements Consumer<WorkflowWindow> {

    private final Supplier<Duration> window;
    private final Consumer<WorkflowWindow> send;
    private WorkflowAccumulator held;
    private long heldFromMillis;

    public WindowBatcher(Supplier<Duration> window, Consumer<WorkflowWindow> send) {
        this.window = window;
        this.send = send;
    }

    @Override
    public void accept(WorkflowWindow next) {
        WorkflowWindow ready = null;
        synchronized (this) {
            if (held == null) {
                held = new WorkflowAccumulator(next.workflow());
                heldFromMillis = next.startMillis();
            }
            held.addLater(next);
            long length = window.get().toMillis();
            // On the clock's multiples of the window, as the engine's own windows end on whole
            // seconds: every worker's merged windows then cover the same span.
            if (next.endMillis() % length == 0 || next.endMillis() - heldFromMillis >= length) {
                ready = take();
            }
        }
        if (ready != null) {
            send.accept(ready);
        }
    }

    /** Sends whatever is held now. */
    public void flush() {
        WorkflowWindow ready;
        synchronized (this) {
            ready = held == null ? null : take();
        }
        if (ready != null) {
            send.accept(ready);
        }
    }

    private WorkflowWindow take() {
        WorkflowWindow merged = held.toWindow();
        held = null;
        return merged;
    }
}
