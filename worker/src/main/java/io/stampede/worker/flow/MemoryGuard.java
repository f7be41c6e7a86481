package io.stampede.worker.flow;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.Optional;

import jakarta.inject.Singleton;

import io.stampede.model.job.LoadShare;
import io.stampede.model.load.LoadState;
import io.stampede.node.config.NodeConfig;
import io.stampede.node.load.NodeLoad;

/**
 * The heap this worker's engine may fill ({@code stampede.overload.memory-budget} of the maximum
 * heap). At 85 % of the budget the worker is STRESSED and takes no new shares; at 100 % it is
 * OVERLOADED. A share whose virtual users would need more than the budget has left (each is
 * reckoned at {@code stampede.overload.memory-per-vu}) is refused at dispatch, with the figures,
 * rather than run into an OutOfMemoryError.
 */
@Singleton
public class MemoryGuard {

    /** The fraction of the budget at which the worker stops taking new shares. */
    static final double STRESSED_AT = 0.85;

    private final long budgetBytes;
    private final long perVuBytes;

    public MemoryGuard(NodeConfig config, NodeLoad load) {
        long max = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax();
        this.budgetBytes = (long) (config.overload().memoryBudget() * (max > 0 ? max : Runtime.getRuntime().maxMemory()));
        this.perVuBytes = config.overload().memoryPerVu().asLongValue();
        load.floor(this::state);
    }

    /** The state the heap alone puts this worker in. */
    public LoadState state() {
        return stateOf(used(), budgetBytes);
    }

    static LoadState stateOf(long usedBytes, long budgetBytes) {
        double fraction = usedBytes / (double) budgetBytes;
        return fraction >= 1 ? LoadState.OVERLOADED : fraction >= STRESSED_AT ? LoadState.STRESSED : LoadState.HEALTHY;
    }

    /** Why this worker cannot take {@code share}, or empty when it can. */
    public Optional<String> refusal(LoadShare share) {
        return refusal(share, used(), budgetBytes, perVuBytes);
    }

    static Optional<String> refusal(LoadShare share, long usedBytes, long budgetBytes, long perVuBytes) {
        long vus = Math.max(share.vus(), share.maxVus());
        long needed = vus * perVuBytes;
        long left = Math.max(0, budgetBytes - usedBytes);
        if (needed <= left) {
            return Optional.empty();
        }
        return Optional.of(String.format("the share's %d virtual users need about %d MiB (%d KiB each, "
                + "stampede.overload.memory-per-vu) and this worker's memory budget has %d MiB left of %d MiB "
                + "(stampede.overload.memory-budget); give the workflow fewer virtual users per worker, or the "
                + "worker more heap", vus, needed >> 20, perVuBytes >> 10, left >> 20, budgetBytes >> 20));
    }

    private static long used() {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        return heap.getUsed();
    }
}
