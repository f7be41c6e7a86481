package io.stampede.cli.local;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.stampede.local.Processes;

/**
 * The processes one {@code local up} has started so far, and the one way to stop them. The thread
 * starting the cluster and the shutdown hook that runs on Ctrl-C share it.
 *
 * <pre>
 *   STARTING ──every node ready──▶ UP
 *       │
 *       └──a failure, or Ctrl-C──▶ STOPPING ──every process stopped──▶ STOPPED
 * </pre>
 *
 * <p>A process is started only while STARTING and under the monitor that the move to STOPPING
 * takes, so a stop never misses a process that was being started at that moment, and nothing
 * starts after it. Only the caller that moved to STOPPING stops the processes and tells the user;
 * any other caller waits until STOPPED, so the user sees one stop, not two.
 */
final class StartUp {

    /** Where one start-up is; see the class comment for the moves. */
    enum Phase {
        STARTING, UP, STOPPING, STOPPED;

        boolean canMoveTo(Phase next) {
            return switch (this) {
                case STARTING -> next == UP || next == STOPPING;
                case STOPPING -> next == STOPPED;
                case UP, STOPPED -> false;
            };
        }
    }

    /** Starts one process and records it with {@link #recordBroker} or {@link #recordNode}. */
    @FunctionalInterface
    interface Launch<T> {
        T run() throws IOException;
    }

    private Phase phase = Phase.STARTING;
    private ProcessHandle broker;
    private final List<ProcessHandle> nodes = new ArrayList<>();

    /**
     * Runs {@code launch} unless a stop has begun, and holds any stop off until it returns.
     *
     * @throws Abandoned when a stop has begun (Ctrl-C)
     */
    synchronized <T> T ifStarting(Launch<T> launch) throws IOException {
        if (phase != Phase.STARTING) {
            throw new Abandoned();
        }
        return launch.run();
    }

    synchronized void recordBroker(ProcessHandle process) {
        broker = process;
    }

    synchronized void recordNode(ProcessHandle process) {
        nodes.add(process);
    }

    /** Whether a stop has begun: the starting thread then gives up quietly. */
    synchronized boolean stopping() {
        return phase == Phase.STOPPING || phase == Phase.STOPPED;
    }

    /**
     * Every node is ready: the cluster stays up, and a later Ctrl-C no longer stops it.
     *
     * @throws Abandoned when a stop has begun first
     */
    synchronized void ready() {
        if (phase != Phase.STARTING) {
            throw new Abandoned();
        }
        move(Phase.UP);
    }

    /**
     * Claims the stop. True when this caller is to stop the processes (with {@link #stopAll}); false
     * when the cluster is up, or when another caller stops it, in which case this returns once that
     * stop is over.
     */
    synchronized boolean claimStop() {
        if (phase == Phase.STARTING) {
            move(Phase.STOPPING);
            return true;
        }
        while (phase == Phase.STOPPING) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    /**
     * Stops what was started, by the caller that {@linkplain #claimStop claimed} the stop: every node
     * at once (SIGTERM, SIGKILL after {@code nodeGrace}), then the broker they were using (SIGTERM,
     * SIGKILL after {@code brokerGrace}).
     *
     * @return the processes started and how many of them are gone
     */
    Stopped stopAll(Duration nodeGrace, Duration brokerGrace) {
        List<ProcessHandle> startedNodes;
        Optional<ProcessHandle> startedBroker;
        synchronized (this) {
            if (phase != Phase.STOPPING) {
                throw new IllegalStateException("stopAll without claimStop, in " + phase);
            }
            startedNodes = List.copyOf(nodes);
            startedBroker = Optional.ofNullable(broker);
        }
        try {
            int gone = Processes.stopAll(startedNodes, nodeGrace);
            gone += Processes.stopAll(startedBroker.stream().toList(), brokerGrace);
            return new Stopped(startedNodes.size() + (startedBroker.isPresent() ? 1 : 0), gone);
        } finally {
            synchronized (this) {
                move(Phase.STOPPED);
                notifyAll();
            }
        }
    }

    /** What a stop did: of {@code started} processes, {@code gone} are no longer running. */
    record Stopped(int started, int gone) {

        boolean complete() {
            return gone == started;
        }
    }

    private void move(Phase next) {
        if (!phase.canMoveTo(next)) {
            throw new IllegalStateException("start-up cannot move from " + phase + " to " + next);
        }
        phase = next;
    }

    /** The start-up is being stopped by someone else (Ctrl-C); the starting thread gives up quietly. */
    static final class Abandoned extends RuntimeException {
        Abandoned() {
            super("interrupted", null, false, false);
        }
    }
}
