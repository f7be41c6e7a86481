package io.stampede.node.membership;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.stampede.cluster.membership.MemberView;
import io.stampede.cluster.membership.MembershipListener;
import io.stampede.cluster.membership.SwimConfig;
import io.stampede.cluster.net.HostPort;
import io.stampede.cluster.transport.UdpMembership;
import io.stampede.node.config.MembershipSettings;
import io.stampede.node.config.NodeConfig;
import io.stampede.node.config.NodeIdentity;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import jakarta.interceptor.Interceptor;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.SplittableRandom;
import org.jboss.logging.Logger;

/**
 * This node's membership: SWIM over UDP with the other gates, or with the other managers and
 * workers of its datacenter. Starts right after the settings check, leaves gracefully at
 * shutdown.
 */
@Singleton
public class NodeMembership {

    private static final Logger LOG = Logger.getLogger(NodeMembership.class);

    private final NodeIdentity identity;
    private final MembershipSettings settings;
    private final String clusterId;
    private volatile UdpMembership membership;

    public NodeMembership(NodeIdentity identity, NodeConfig config) {
        this.identity = identity;
        this.settings = MembershipSettings.of(config);
        this.clusterId = settings.clusterId(identity.role(), identity.datacenter());
    }

    void start(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE + 1) StartupEvent event) {
        List<HostPort> seeds = identity.settings().seeds().stream().map(HostPort::parse).toList();
        byte[] key = settings.key().map(value -> value.getBytes(StandardCharsets.UTF_8)).orElse(null);
        membership = UdpMembership.start(new UdpMembership.Settings(identity.id(), identity.role(),
                identity.datacenter().orElse(""), settings.advertiseHost(), settings.bindHost(),
                identity.settings().udpPort(), clusterId, key, seeds, SwimConfig.defaults(),
                settings.secondaryKey().map(value -> value.getBytes(StandardCharsets.UTF_8)).orElse(null)),
                () -> System.nanoTime() / 1_000_000, new SplittableRandom(new SecureRandom().nextLong()));
        LOG.infof("membership: %s at %s, joining through %s", clusterId, membership.self().address(),
                seeds.isEmpty() ? "nobody (first member)" : seeds);
    }

    void stop(@Observes ShutdownEvent event) {
        UdpMembership running = membership;
        if (running != null) {
            running.close();
        }
    }

    /** The membership cluster this node belongs to. */
    public String clusterId() {
        return clusterId;
    }

    /** The running protocol. */
    public UdpMembership membership() {
        UdpMembership running = membership;
        if (running == null) {
            throw new IllegalStateException("membership has not started yet");
        }
        return running;
    }

    /** This node and the members it knows. */
    public List<MemberView> members() {
        return membership().members();
    }

    /**
     * Follows membership from now on: the listener first hears of every member known now, then
     * of every change, in order, on the membership thread.
     */
    public void watch(MembershipListener listener) {
        membership().watch(listener);
    }
}
