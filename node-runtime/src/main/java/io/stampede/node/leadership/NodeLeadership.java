package io.stampede.node.leadership;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.stampede.cluster.leadership.GroupMaintenance;
import io.stampede.cluster.leadership.RaftLeadership;
import io.stampede.cluster.membership.MemberState;
import io.stampede.cluster.membership.MemberView;
import io.stampede.cluster.membership.MembershipListener;
import io.stampede.cluster.net.HostPort;
import io.stampede.model.NodeRole;
import io.stampede.node.config.LeadershipSettings;
import io.stampede.node.config.MembershipSettings;
import io.stampede.node.config.NodeConfig;
import io.stampede.node.config.NodeIdentity;
import io.stampede.node.membership.NodeMembership;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;
import jakarta.interceptor.Interceptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * This node's part in its Raft group: a manager's datacenter group ({@code dc/<datacenter>}) or
 * the gates' group ({@code gates}), whose replicated state a service may provide as a
 * {@link RaftLeadership.Replicated} bean. Whether it leads, and its fence (the term it leads in).
 * While it leads, it keeps the group in step with membership. Workers take no part.
 */
@Singleton
public class NodeLeadership {

    private static final Logger LOG = Logger.getLogger(NodeLeadership.class);

    private final NodeIdentity identity;
    private final LeadershipSettings settings;
    private final MembershipSettings membershipSettings;
    private final List<RaftLeadership.Listener> listeners = new CopyOnWriteArrayList<>();
    private final NodeMembership membership;
    /** Wall-clock time, for when a manager's membership state changed and how long it has held. */
    private final Clock clock;
    private final java.time.Duration removeDeadAfter;
    /** Membership's view of the datacenter's managers: state and since when. */
    private final Map<String, GroupMaintenance.StateSince> managers = new ConcurrentHashMap<>();
    private final ScheduledExecutorService maintenance = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "leadership-maintenance");
        thread.setDaemon(true);
        return thread;
    });
    private volatile Map<String, HostPort> founders = Map.of();
    private volatile RaftLeadership raft;
    private volatile long fence = -1;
    private volatile Optional<String> leader = Optional.empty();
    private volatile HostPort address;

    private final RaftLeadership.Replicated replicated;

    public NodeLeadership(NodeIdentity identity, NodeConfig config, NodeMembership membership, Clock clock,
            Instance<RaftLeadership.Replicated> replicated) {
        this.replicated = replicated.isResolvable() ? replicated.get() : RaftLeadership.Replicated.NONE;
        this.identity = identity;
        this.settings = LeadershipSettings.of(config);
        this.membershipSettings = MembershipSettings.of(config);
        this.membership = membership;
        this.clock = clock;
        this.removeDeadAfter = config.leadership().removeDeadAfter();
    }

    void start(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE + 2) StartupEvent event) {
        if (identity.role() == NodeRole.WORKER) {
            return;
        }
        String group = identity.role() == NodeRole.GATE ? "gates" : "dc/" + identity.datacenter().orElseThrow();
        // Reached where the founding peers list it, when they list it (a stable DNS name survives
        // a pod's new IP; the group's stored membership keeps whatever address it is given).
        address = settings.own(identity.id()).orElseGet(() -> new HostPort(membershipSettings.advertiseHost(),
                identity.settings().grpcPort() != 0 ? identity.settings().grpcPort() : freePort()));
        Map<String, HostPort> peers = settings.peersExcept(identity.id());
        founders = peers;
        int configured = identity.settings().grpcPort();
        if (configured != 0 && configured != address.port()) {
            LOG.warnf("stampede.leadership.peers names this node at %s, so Raft listens on port %d, not on"
                    + " stampede.ports.grpc (%d)", address, address.port(), configured);
        }
        Path storage = Path.of(settings.storage()
                .orElse(Path.of(System.getProperty("java.io.tmpdir"), "stampede-raft", identity.id()).toString()));
        String bindHost = LeadershipSettings.raftBindHost(address, membershipSettings.bindHost());
        if (HostPort.isAddressLiteral(address.host()) && !bindHost.equals(address.host())) {
            LOG.warnf("Raft binds %s, as membership does (stampede.membership.bind-host), but its peers are told to"
                    + " reach it at %s, where it does not listen: bind membership there too, with a membership key"
                    + " (docs/security.md)", bindHost, address);
        }
        raft = RaftLeadership.start(RaftLeadership.Settings.of(identity.id(), address, group, storage, true, peers)
                .boundTo(bindHost).with(settings.tls()),
                new RaftLeadership.Listener() {
                    @Override
                    public void leading(long term) {
                        fence = term;
                        leader = Optional.of(identity.id());
                        LOG.infof("leading %s in term %d", group, term);
                        listeners.forEach(listener -> listener.leading(term));
                    }

                    @Override
                    public void following(Optional<String> newLeader, long term) {
                        boolean wasLeading = fence >= 0;
                        fence = -1;
                        leader = newLeader;
                        if (wasLeading) {
                            LOG.warnf("no longer leading %s (term %d, leader %s)", group, term, newLeader.orElse("unknown"));
                        }
                        listeners.forEach(listener -> listener.following(newLeader, term));
                    }
                }, replicated);
        settings.warnings(clock.instant()).forEach(LOG::warn);
        LOG.infof("leadership: %s at %s with %s, log in %s, %s", group, address,
                peers.isEmpty() ? "no other founding member" : peers.keySet(), storage,
                settings.tls().isPresent() ? "over mutual TLS" : "plaintext (no stampede.leadership.tls.*)");
        membership.watch(new MembershipListener() {
            @Override
            public void changed(MemberView member, MemberState previous) {
                if (member.role() == identity.role()) {
                    managers.put(member.id(), new GroupMaintenance.StateSince(member.state(), clock.millis()));
                }
            }

            @Override
            public void removed(MemberView member) {
                managers.remove(member.id());
            }
        });
        maintenance.scheduleWithFixedDelay(this::maintain, 1, 1, TimeUnit.SECONDS);
    }

    /** The leader keeps the group in step with membership (see {@link GroupMaintenance}). */
    private void maintain() {
        RaftLeadership running = raft;
        if (running == null || !running.isLeader()) {
            return;
        }
        for (GroupMaintenance.Change change : GroupMaintenance.due(identity.id(), running.members().keySet(), founders,
                Map.copyOf(managers), clock.millis(), removeDeadAfter.toMillis())) {
            try {
                if (change instanceof GroupMaintenance.Remove remove) {
                    LOG.warnf("removing %s from the Raft group: membership has held it dead or gone for %s",
                            remove.id(), removeDeadAfter);
                    running.removePeer(remove.id());
                } else if (change instanceof GroupMaintenance.Add add) {
                    LOG.infof("adding %s back to the Raft group: it is alive again", add.id());
                    running.addPeer(add.id(), add.address());
                }
            } catch (IOException | RuntimeException e) {
                LOG.warnf("could not change the Raft group (%s): %s; trying again in a second", change, e.getMessage());
            }
        }
    }

    void stop(@Observes ShutdownEvent event) {
        maintenance.shutdownNow();
        RaftLeadership running = raft;
        if (running != null) {
            running.close();
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port for Raft", e);
        }
    }

    /**
     * Submits a command to the group's replicated state; completes with its answer once applied.
     *
     * @throws IllegalStateException when this node takes part in no group
     */
    public java.util.concurrent.CompletableFuture<byte[]> submit(byte[] command) {
        RaftLeadership running = raft;
        if (running == null) {
            throw new IllegalStateException("this node takes part in no Raft group");
        }
        return running.submit(command);
    }

    /** Whether this node takes part in a Raft group. */
    public boolean enabled() {
        return raft != null;
    }

    /** Whether this node leads now. */
    public boolean leading() {
        return fence >= 0;
    }

    /** The term this node leads in, its fence for every record it issues; −1 while it does not lead. */
    public long fence() {
        return fence;
    }

    /** The leader this node knows of, itself included. */
    public Optional<String> leader() {
        return leader;
    }

    /** This node's current term (0 when it takes no part). */
    public long term() {
        RaftLeadership running = raft;
        return running == null ? 0 : running.term();
    }

    /** The index of the last Raft log entry this node applied: −1 before any, 0 when it takes no part. */
    public long applied() {
        RaftLeadership running = raft;
        return running == null ? 0 : running.applied();
    }

    /** The group's members by id, with their Raft addresses. */
    public Map<String, String> members() {
        RaftLeadership running = raft;
        return running == null ? Map.of() : running.members();
    }

    /** Commands this node, leading, refused because no member of its group sent them. */
    public long refusedCommands() {
        RaftLeadership running = raft;
        return running == null ? 0 : running.refusedCommands();
    }

    public Optional<HostPort> address() {
        return Optional.ofNullable(address);
    }

    /** Follows leadership changes; a listener added while this node leads hears so at once. */
    public void watch(RaftLeadership.Listener listener) {
        listeners.add(listener);
        long current = fence;
        if (current >= 0) {
            listener.leading(current);
        }
    }
}
