package io.stampede.worker.flow;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.concurrent.atomic.AtomicLong;

import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

import jakarta.inject.Singleton;

import com.sun.management.GarbageCollectionNotificationInfo;

import io.stampede.model.job.LoadShare;
import io.stampede.model.load.LoadState;
import io.stampede.node.config.NodeConfig;
import io.stampede.node.load.NodeLoad;

/**
 * The heap this worker's engine may fill ({@code stampede.overload.memory-budget} of the maximum
 * heap), against what is live (the heap as the last garbage collection left it). At 85 % of the
 * budget the worker is STRESSED; at 100 % it is OVERLOADED: it takes no new shares and, after
 * each collection that finds it still over, sheds virtual users of its newest share. A share whose virtual users would need more than the budget has left (each is
 * reckoned at {@code stampede.overload.memory-per-vu}) is refused at dispatch, with the figures,
 * rather than run into an OutOfMemoryError.
 */
@Singleton
public class MemoryGuard {

    /** The fraction of the budget at which the worker stops taking new shares. */
    static final double STRESSED_AT = 0.85;

    private final long budgetBytes;
    private final long perVuBytes;
    /** The heap in use just after the last collection, bytes; −1 before the first. */
    private final AtomicLong afterLastCollection = new AtomicLong(-1);
    private final AtomicLong collections = new AtomicLong();

    public MemoryGuard(NodeConfig config, NodeLoad load) {
        long max = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax();
        this.budgetBytes = (long) (config.overload().memoryBudget() * (max > 0 ? max : Runtime.getRuntime().maxMemory()));
        this.perVuBytes = config.overload().memoryPerVu().asLongValue();
        load.floor(this::state);
        // Garbage is not load: what the heap's pools hold right after each collection is what is
        // live (Metaspace, the code cache and other pools outside the heap are not counted).
        Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(pool -> pool.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName)
                .collect(Collectors.toSet());
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (collector instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener((notification, handback) -> {
                    if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
                        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo
                                .from((CompositeData) notification.getUserData());
                        afterLastCollection.set(info.getGcInfo().getMemoryUsageAfterGc().entrySet().stream()
                                .filter(pool -> heapPools.contains(pool.getKey()))
                                .mapToLong(pool -> pool.getValue().getUsed()).sum());
                        collections.incrementAndGet();
                    }
                }, null, null);
            }
        }
    }

    /** Garbage collections seen so far: a new one means {@link #state()} has a new reading. */
    public long collections() {
        return collections.get();
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

    /**
     * The heap that is live: what the last collection left in the heap's pools (the heap now,
     * when lower, or before any collection).
     */
    private long used() {
        long now = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long after = afterLastCollection.get();
        return after < 0 ? now : Math.min(now, after);
    }
}
