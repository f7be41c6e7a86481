package io.stampede.cluster.membership;

import io.stampede.cluster.membership.message.Message;
import io.stampede.cluster.membership.message.Wire;
import io.stampede.cluster.net.HostPort;
import io.stampede.model.NodeRole;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import java.util.function.ToLongBiFunction;

/**
 * Many {@link Swim} state machines on a simulated network, in virtual time: seeded, with per-link
 * latency, random loss, partitions, crashed members and members whose own processing is slow.
 * Nothing sleeps; a run of thousands of simulated seconds takes seconds.
 */
final class SimulatedCluster {

    /** A DEAD verdict: who declared whom dead, and when. */
    record Verdict(String observer, String member, long at) {
    }

    private record Event(long at, long order, Runnable action) {
    }

    private final class Node {
        final Member member;
        Swim swim;
        boolean crashed;
        long wakeAt = Long.MAX_VALUE;
        long slowness;

        Node(Member member) {
            this.member = member;
        }
    }

    private final SwimConfig config;
    private final SplittableRandom random;
    private final PriorityQueue<Event> events = new PriorityQueue<>(
            (a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.order, b.order));
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final Map<HostPort, Node> byAddress = new HashMap<>();
    private final List<Verdict> verdicts = new ArrayList<>();
    private final Map<String, Integer> group = new HashMap<>();
    private ToLongBiFunction<String, String> latency = (from, to) -> 1;
    private double loss;
    private boolean checkSizes;
    private long now;
    private long order;
    private long delivered;

    SimulatedCluster(SwimConfig config, long seed) {
        this.config = config;
        this.random = new SplittableRandom(seed);
    }

    /** One-way delay in milliseconds between two members, by id. */
    SimulatedCluster latency(ToLongBiFunction<String, String> latency) {
        this.latency = latency;
        return this;
    }

    /** The chance that any one datagram is lost. */
    SimulatedCluster loss(double loss) {
        this.loss = loss;
        return this;
    }

    /** Checks that every message fits a datagram (slower; for tests about sizes). */
    SimulatedCluster checkSizes() {
        this.checkSizes = true;
        return this;
    }

    /** Adds and starts a member, joining through {@code seeds} (ids of members already added). */
    Member add(String id, NodeRole role, List<String> seeds) {
        Member member = new Member(id, new HostPort("10.0." + (nodes.size() / 250) + "." + (nodes.size() % 250), 7946),
                role, role == NodeRole.GATE ? "" : "dc1");
        Node node = new Node(member);
        nodes.put(id, node);
        byAddress.put(member.address(), node);
        boot(node, seeds);
        return member;
    }

    /** Adds {@code n} members named m0..m(n−1), all joining through m0. */
    SimulatedCluster members(int n, NodeRole role) {
        for (int i = 0; i < n; i++) {
            add("m" + i, role, i == 0 ? List.of() : List.of("m0"));
        }
        return this;
    }

    private void boot(Node node, List<String> seeds) {
        node.crashed = false;
        node.wakeAt = Long.MAX_VALUE;
        node.swim = new Swim(config, node.member, 0, new SplittableRandom(random.nextLong()),
                (to, message) -> transmit(node, to, message), new Recorder(node.member.id()));
        node.swim.start(seeds.stream().map(id -> nodes.get(id).member.address()).toList(), now);
        reschedule(node);
    }

    /** Stops a member dead: it neither sends nor receives any more. */
    void crash(String id) {
        nodes.get(id).crashed = true;
    }

    /** Starts a crashed member afresh, with incarnation 0, joining through {@code seeds}. */
    void restart(String id, List<String> seeds) {
        boot(nodes.get(id), seeds);
    }

    /** Makes a member handle every message and timer up to {@code millis} late. */
    void slow(String id, long millis) {
        nodes.get(id).slowness = millis;
    }

    /** Splits the network: members in different groups cannot reach each other. */
    void partition(List<Set<String>> groups) {
        group.clear();
        for (int i = 0; i < groups.size(); i++) {
            for (String id : groups.get(i)) {
                group.put(id, i);
            }
        }
    }

    void heal() {
        group.clear();
    }

    void leave(String id) {
        nodes.get(id).swim.leave(now);
    }

    /** Runs until virtual time {@code until}. */
    void runUntil(long until) {
        while (!events.isEmpty() && events.peek().at <= until) {
            Event event = events.poll();
            now = event.at;
            event.action.run();
        }
        now = until;
    }

    /** Runs {@code millis} more. */
    void run(long millis) {
        runUntil(now + millis);
    }

    /**
     * Runs until {@code condition} holds, checking every 100 ms of virtual time; returns the
     * virtual time it took, or −1 if it did not hold within {@code limit}.
     */
    long runUntil(BooleanSupplier condition, long limit) {
        long start = now;
        while (now - start <= limit) {
            if (condition.getAsBoolean()) {
                return now - start;
            }
            run(100);
        }
        return -1;
    }

    long now() {
        return now;
    }

    Swim swim(String id) {
        return nodes.get(id).swim;
    }

    List<String> ids() {
        return List.copyOf(nodes.keySet());
    }

    List<String> running() {
        return nodes.values().stream().filter(node -> !node.crashed).map(node -> node.member.id()).toList();
    }

    List<Verdict> verdicts() {
        return verdicts;
    }

    long delivered() {
        return delivered;
    }

    /** What {@code observer} believes about {@code member}; null when it does not know it. */
    MemberState state(String observer, String member) {
        return nodes.get(observer).swim.member(member).map(MemberView::state).orElse(null);
    }

    /** Whether every running member sees every other running member in {@code state}. */
    boolean allSee(MemberState state) {
        List<String> running = running();
        for (String observer : running) {
            for (String member : running) {
                if (!observer.equals(member) && state(observer, member) != state) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Whether every running member other than {@code member} sees it in {@code state}. */
    boolean allSee(String member, MemberState state) {
        for (String observer : running()) {
            if (!observer.equals(member) && state(observer, member) != state) {
                return false;
            }
        }
        return true;
    }

    private void transmit(Node from, HostPort to, Message message) {
        if (from.crashed) {
            return;
        }
        if (checkSizes && Wire.sizeOf(message) + SwimConfig.FRAME_RESERVE > config.maxDatagram()) {
            throw new AssertionError("a " + message.getClass().getSimpleName() + " does not fit a datagram");
        }
        Node receiver = byAddress.get(to);
        if (receiver == null || random.nextDouble() < loss) {
            return;
        }
        Integer a = group.get(from.member.id());
        Integer b = group.get(receiver.member.id());
        if (a != null && b != null && !a.equals(b)) {
            return;
        }
        long at = now + Math.max(0, latency.applyAsLong(from.member.id(), receiver.member.id())) + delay(receiver);
        Swim swim = receiver.swim;
        schedule(at, () -> {
            if (!receiver.crashed && receiver.swim == swim) {
                delivered++;
                swim.receive(message, now);
                reschedule(receiver);
            }
        });
    }

    private long delay(Node node) {
        return node.slowness == 0 ? 0 : random.nextLong(node.slowness + 1);
    }

    private void reschedule(Node node) {
        long next = Math.max(now, node.swim.nextDeadline()) + delay(node);
        if (next >= node.wakeAt && node.wakeAt > now) {
            return;
        }
        node.wakeAt = next;
        Swim swim = node.swim;
        schedule(next, () -> {
            if (node.crashed || node.swim != swim || node.wakeAt != next) {
                return;
            }
            node.wakeAt = Long.MAX_VALUE;
            swim.tick(now);
            reschedule(node);
        });
    }

    private void schedule(long at, Runnable action) {
        events.add(new Event(at, order++, action));
    }

    private final class Recorder implements MembershipListener {
        private final String observer;

        Recorder(String observer) {
            this.observer = observer;
        }

        @Override
        public void changed(MemberView member, MemberState previous) {
            if (member.state() == MemberState.DEAD) {
                verdicts.add(new Verdict(observer, member.id(), now));
            }
        }
    }
}
