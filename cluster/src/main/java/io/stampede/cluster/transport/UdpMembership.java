package io.stampede.cluster.transport;

import io.stampede.cluster.membership.Member;
import io.stampede.cluster.membership.MemberState;
import io.stampede.cluster.membership.MemberView;
import io.stampede.cluster.membership.MembershipListener;
import io.stampede.cluster.membership.Swim;
import io.stampede.cluster.membership.SwimConfig;
import io.stampede.cluster.membership.message.Message;
import io.stampede.cluster.net.HostPort;
import io.stampede.model.NodeRole;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * Runs {@link Swim} over a UDP socket on one thread of its own: it reads datagrams, feeds them to
 * the state machine, wakes it at its deadlines and sends what it says. Everything else reads
 * published snapshots, so callers never touch the state machine. A datagram that is not one of
 * ours is dropped and counted by {@link DropReason}; nothing a peer sends can stop the loop.
 */
public final class UdpMembership implements AutoCloseable {

    private static final Logger LOG = System.getLogger(UdpMembership.class.getName());
    private static final int RECEIVE_BUFFER = 65_536;

    /** What a node needs to take part. */
    public record Settings(String id, NodeRole role, String datacenter, String advertiseHost, String bindHost,
            int port, String clusterId, byte[] key, List<HostPort> seeds, SwimConfig swim, byte[] secondaryKey) {

        /** Signed with {@code key} alone (or unsigned without one). */
        public Settings(String id, NodeRole role, String datacenter, String advertiseHost, String bindHost, int port,
                String clusterId, byte[] key, List<HostPort> seeds, SwimConfig swim) {
            this(id, role, datacenter, advertiseHost, bindHost, port, clusterId, key, seeds, swim, null);
        }
    }

    private final Settings settings;
    private final LongSupplier millis;
    private final DatagramChannel channel;
    private final Selector selector;
    private final DatagramCodec codec;
    private final Swim swim;
    private final Member self;
    private final ByteBuffer sendBuffer;
    private final ByteBuffer receiveBuffer = ByteBuffer.allocate(RECEIVE_BUFFER);
    private final Map<DropReason, AtomicLong> drops = new EnumMap<>(DropReason.class);
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong sendFailures = new AtomicLong();
    private final List<MembershipListener> listeners = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile List<MemberView> snapshot;
    private volatile long incarnation;
    private volatile int localHealth;
    private volatile Swim.Stats stats;
    private volatile io.stampede.cluster.coordinates.Coordinate coordinate;

    private UdpMembership(Settings settings, LongSupplier millis, RandomGenerator random) throws IOException {
        this.settings = settings;
        this.millis = millis;
        for (DropReason reason : DropReason.values()) {
            drops.put(reason, new AtomicLong());
        }
        this.channel = DatagramChannel.open();
        try {
            channel.bind(new InetSocketAddress(settings.bindHost(), settings.port()));
            channel.configureBlocking(false);
            this.selector = Selector.open();
            channel.register(selector, SelectionKey.OP_READ);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        int port = ((InetSocketAddress) channel.getLocalAddress()).getPort();
        this.self = new Member(settings.id(), new HostPort(settings.advertiseHost(), port), settings.role(),
                settings.datacenter());
        // Stamps are wall-clock time, which the members' clocks agree on (within the freshness window).
        // Nonces come from a generator of the codec's own, seeded from the system's: two members
        // given the same seed (a test) must still never send the same nonce.
        this.codec = new DatagramCodec(settings.clusterId(), settings.key() == null ? null
                : new DatagramCodec.Signing(settings.key(), settings.secondaryKey(), System::currentTimeMillis,
                        new java.util.SplittableRandom(new java.security.SecureRandom().nextLong()), DatagramCodec.FRESHNESS),
                settings.swim().maxDatagram());
        this.sendBuffer = ByteBuffer.allocate(settings.swim().maxDatagram() + RECEIVE_BUFFER);
        this.swim = new Swim(settings.swim(), self, 0, random, this::send, new Dispatcher());
        this.snapshot = swim.members();
        this.stats = swim.stats();
        this.coordinate = swim.coordinates().coordinate();
        this.thread = new Thread(this::loop, "membership-" + settings.clusterId());
        this.thread.setDaemon(true);
    }

    /**
     * Binds the socket and starts the protocol, joining through the seeds (none: this node starts
     * a cluster).
     *
     * @throws UncheckedIOException when the port cannot be bound
     */
    public static UdpMembership start(Settings settings, LongSupplier millis, RandomGenerator random) {
        try {
            UdpMembership membership = new UdpMembership(settings, millis, random);
            membership.tasks.add(() -> membership.swim.start(settings.seeds(), millis.getAsLong()));
            membership.thread.start();
            return membership;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind membership UDP port " + settings.bindHost() + ":"
                    + settings.port() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Follows membership: on the membership thread, the listener first hears of every member known
     * now (as new), then of every change, so it never misses one in between.
     */
    public void watch(MembershipListener listener) {
        tasks.add(() -> {
            listeners.add(listener);
            for (MemberView member : swim.members()) {
                if (!member.id().equals(self.id())) {
                    listener.changed(member, null);
                }
            }
        });
        selector.wakeup();
    }

    /** This node as the others know it. */
    public Member self() {
        return self;
    }

    /** This node and every member it knows, as of the last step of the protocol. */
    public List<MemberView> members() {
        return snapshot;
    }

    public Optional<MemberView> member(String id) {
        return snapshot.stream().filter(member -> member.id().equals(id)).findFirst();
    }

    public long incarnation() {
        return incarnation;
    }

    public int localHealth() {
        return localHealth;
    }

    /** This node's network coordinate, as of the last step of the protocol. */
    public io.stampede.cluster.coordinates.Coordinate coordinate() {
        return coordinate;
    }

    public Swim.Stats stats() {
        return stats;
    }

    /** Datagrams dropped, by reason. */
    public long dropped(DropReason reason) {
        return drops.get(reason).get();
    }

    public long received() {
        return received.get();
    }

    public long sent() {
        return sent.get();
    }

    /** Leaves the cluster gracefully, then stops. */
    @Override
    public void close() {
        if (!running) {
            return;
        }
        tasks.add(() -> swim.leave(millis.getAsLong()));
        tasks.add(() -> running = false);
        selector.wakeup();
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        running = false;
        selector.wakeup();
        try {
            thread.join(2_000);
            selector.close();
            channel.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "closing the membership socket", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void loop() {
        while (running) {
            try {
                step();
            } catch (IOException | RuntimeException e) {
                // A bug or a socket hiccup must not end membership: count it and carry on.
                drops.get(DropReason.FAILED).incrementAndGet();
                LOG.log(Level.WARNING, "membership step failed; carrying on", e);
            }
        }
    }

    private void step() throws IOException {
        Runnable task;
        while ((task = tasks.poll()) != null) {
            task.run();
        }
        if (!running) {
            return;
        }
        long wait = Math.max(1, Math.min(swim.nextDeadline() - millis.getAsLong(), 1_000));
        selector.select(wait);
        selector.selectedKeys().clear();
        SocketAddress from;
        while ((from = channel.receive(receiveBuffer.clear())) != null) {
            receiveBuffer.flip();
            received.incrementAndGet();
            DatagramCodec.Decoded decoded = codec.decode(receiveBuffer);
            if (decoded.dropped() != null) {
                drops.get(decoded.dropped()).incrementAndGet();
                SocketAddress source = from;
                LOG.log(Level.DEBUG, () -> "dropped a datagram from " + source + ": " + decoded.dropped());
            } else {
                swim.receive(decoded.message(), millis.getAsLong());
            }
        }
        swim.tick(millis.getAsLong());
        snapshot = List.copyOf(swim.members());
        incarnation = swim.incarnation();
        localHealth = swim.localHealth();
        stats = swim.stats();
        coordinate = swim.coordinates().coordinate();
    }

    private void send(HostPort to, Message message) {
        try {
            ByteBuffer datagram = codec.encode(message, sendBuffer);
            // Resolved on every send, through the JVM's address cache (30 s for a name that
            // resolved, 10 s for one that did not): a seed named in DNS that does not resolve yet
            // (its pod is starting) is tried again, and one that comes back at a new address is
            // found there. Members' own addresses are usually literal IPs, which need no lookup.
            SocketAddress address = new InetSocketAddress(to.host(), to.port());
            if (channel.send(datagram, address) > 0) {
                sent.incrementAndGet();
            } else {
                sendFailures.incrementAndGet(); // the socket's buffer is full: UDP may drop, SWIM copes
            }
        } catch (IOException | RuntimeException e) {
            sendFailures.incrementAndGet();
            LOG.log(Level.DEBUG, () -> "cannot send to " + to + ": " + e.getMessage());
        }
    }

    /** Passes changes on to every listener, so that one failing listener cannot stop the others. */
    private final class Dispatcher implements MembershipListener {
        @Override
        public void changed(MemberView member, MemberState previous) {
            for (MembershipListener listener : listeners) {
                try {
                    listener.changed(member, previous);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "a membership listener failed", e);
                }
            }
        }

        @Override
        public void removed(MemberView member) {
            for (MembershipListener listener : new ArrayList<>(listeners)) {
                try {
                    listener.removed(member);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "a membership listener failed", e);
                }
            }
        }
    }

    @Override
    public String toString() {
        return "membership " + settings.clusterId() + " as " + self.id() + " at " + self.address();
    }
}
