package io.stampede.worker.load;

import java.util.List;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import io.stampede.model.Stampede;
import io.stampede.model.wire.Payload;
import io.stampede.model.wire.Subject;
import io.stampede.node.config.NodeIdentity;
import io.stampede.node.protocol.NodeProtocol;
import io.stampede.node.load.NodeLoad;
import io.stampede.node.messaging.AssignedPartitions;
import io.stampede.node.messaging.RecordSender;
import io.vertx.core.Vertx;

/**
 * Tells the datacenter's managers every {@value #PERIOD_MILLIS} ms how many cores this worker has
 * free, its load state (an OVERLOADED worker is given no new shares), how its arrival-rate shares
 * keep up with their rate (shown, not acted on), and when its process started (a new start under
 * the same id tells them it restarted).
 * Whether it is alive is membership's call (SWIM); this is its capacity. None is sent while the
 * worker does not read its dispatch topic ({@link AssignedPartitions}).
 */
@Singleton
public class Heartbeats {

    /** How often a heartbeat is sent, in milliseconds. */
    static final long PERIOD_MILLIS = 2_000;

    private final NodeIdentity identity;
    private final RecordSender progress;
    private final ShareRunner runner;
    private final AssignedPartitions dispatch;
    private final Vertx vertx;
    private final NodeLoad load;
    private final List<String> capabilities;
    private long timer = -1;

    public Heartbeats(NodeIdentity identity, @Identifier("progress") RecordSender progress, ShareRunner runner,
            @Identifier(AssignedPartitions.NAME) AssignedPartitions dispatch, Vertx vertx, NodeLoad load,
            NodeProtocol protocol) {
        this.identity = identity;
        this.capabilities = protocol.capabilityList();
        this.load = load;
        this.dispatch = dispatch;
        this.progress = progress;
        this.runner = runner;
        this.vertx = vertx;
    }

    void start(@Observes StartupEvent event) {
        timer = vertx.setPeriodic(PERIOD_MILLIS, id -> send());
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    private void send() {
        if (!dispatch.reading()) {
            return; // a worker that cannot see shares sent to it must not be given any
        }
        int cores = Runtime.getRuntime().availableProcessors();
        progress.send(new Subject.Node(identity.id()), 0, new Payload.WorkerHeartbeat(identity.id(), identity.datacenter().orElseThrow(),
                cores, Math.max(0, cores - runner.runningShares()), Stampede.VERSION,
                identity.startedAt().toEpochMilli(), load.state(), runner.progress(), capabilities));
    }
}
