package io.stampede.node.leadership;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.stampede.cluster.leadership.RaftLeadership;
import io.stampede.cluster.net.HostPort;
import io.stampede.model.NodeRole;
import io.stampede.node.config.LeadershipSettings;
import io.stampede.node.config.MembershipSettings;
import io.stampede.node.config.NodeConfig;
import io.stampede.node.config.NodeIdentity;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import jakarta.interceptor.Interceptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jboss.logging.Logger;

/**
 * A manager's part in its datacenter's Raft group (group {@code dc/<datacenter>}): whether it
 * leads, and its fence (the term it leads in). Other roles do not take part yet.
 */
@Singleton
public class NodeLeadership {

    private static final Logger LOG = Logger.getLogger(NodeLeadership.class);

    private final NodeIdentity identity;
    private final LeadershipSettings settings;
    private final MembershipSettings membership;
    private final List<RaftLeadership.Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile RaftLeadership raft;
    private volatile long fence = -1;
    private volatile Optional<String> leader = Optional.empty();
    private volatile HostPort address;

    public NodeLeadership(NodeIdentity identity, NodeConfig config) {
        this.identity = identity;
        this.settings = LeadershipSettings.of(config);
        this.membership = MembershipSettings.of(config);
    }

    void start(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE + 2) StartupEvent event) {
        if (identity.role() != NodeRole.MANAGER) {
            return;
        }
        String group = "dc/" + identity.datacenter().orElseThrow();
        int port = identity.settings().grpcPort() != 0 ? identity.settings().grpcPort() : freePort();
        address = new HostPort(membership.advertiseHost(), port);
        Map<String, HostPort> peers = settings.peersExcept(identity.id());
        Path storage = Path.of(settings.storage()
                .orElse(Path.of(System.getProperty("java.io.tmpdir"), "stampede-raft", identity.id()).toString()));
        raft = RaftLeadership.start(RaftLeadership.Settings.of(identity.id(), address, group, storage, true, peers),
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
                });
        LOG.infof("leadership: %s at %s with %s, log in %s", group, address,
                peers.isEmpty() ? "no other founding member" : peers.keySet(), storage);
    }

    void stop(@Observes ShutdownEvent event) {
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

    /** The group's members by id, with their Raft addresses. */
    public Map<String, String> members() {
        RaftLeadership running = raft;
        return running == null ? Map.of() : running.members();
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
