package io.stampede.manager.control;

import java.time.Duration;
import java.util.Arrays;

import jakarta.inject.Provider;
import jakarta.inject.Singleton;

import io.grpc.Status;
import io.smallrye.mutiny.Uni;
import io.stampede.cluster.coordinates.Coordinate;
import io.stampede.control.v1.ProbeAnswer;
import io.stampede.control.v1.ProbeRequest;
import io.stampede.manager.jobs.JobCoordinator;
import io.stampede.node.config.NodeConfig;
import io.stampede.node.config.NodeIdentity;
import io.stampede.node.membership.NodeMembership;
import io.stampede.node.protocol.NodeProtocol;

/**
 * A manager's answer to a gate's probe: leadership, capacity, load and its coordinate, wherever the
 * probe came in ({@link ProbeService} on the HTTP port, {@link ControlServer} over mutual TLS). A
 * follower answers too, naming its leader (by id: it does not know where its leader answers
 * probes; the leader's status records tell the gates). {@code stampede.routing.simulated-rtt}
 * delays every answer, to make a datacenter look distant on one machine.
 */
@Singleton
public class ProbeAnswers {

    /** Looked up at the first probe: the gRPC server starts before the Kafka channels it uses are wired. */
    private final Provider<JobCoordinator> coordinator;
    private final NodeIdentity identity;
    private final NodeMembership membership;
    private final Duration simulatedRtt;
    private final NodeProtocol protocol;

    public ProbeAnswers(Provider<JobCoordinator> coordinator, NodeIdentity identity, NodeMembership membership,
            NodeConfig config, NodeProtocol protocol) {
        this.protocol = protocol;
        this.coordinator = coordinator;
        this.identity = identity;
        this.membership = membership;
        this.simulatedRtt = config.routing().simulatedRtt();
    }

    /**
     * The answer, or a {@code FAILED_PRECONDITION} failure for a probe of another datacenter. Call
     * it off the event loop: the coordinator's lock may be held while it applies a large record.
     */
    public Uni<ProbeAnswer> answer(ProbeRequest request) {
        String datacenter = identity.datacenter().orElseThrow();
        if (!request.getDatacenter().isEmpty() && !request.getDatacenter().equals(datacenter)) {
            return Uni.createFrom().failure(Status.FAILED_PRECONDITION
                    .withDescription("this manager is in datacenter " + datacenter + ", not "
                            + request.getDatacenter())
                    .asRuntimeException());
        }
        JobCoordinator.Snapshot now = coordinator.get().snapshot();
        ProbeAnswer.Builder answer = ProbeAnswer.newBuilder().setDatacenter(datacenter).setManager(identity.id())
                .setLeader(now.leading()).setTerm(now.term()).setLeaderId(now.leader())
                .setLeaderAddress(now.leading() ? coordinator.get().probeAddress() : "")
                .setManagersAlive(now.managersAlive()).setManagersTotal(now.managersTotal())
                .setWorkers(now.workers()).setHealthyWorkers(now.healthyWorkers()).setCores(now.cores())
                .setFreeCores(now.freeCores()).setActiveJobs(now.activeJobs()).setLoad(now.load().name())
                .setCoresFreeInMillis(now.coresFreeInMillis())
                .setProtocol(protocol.version().toString()).addAllCapabilities(protocol.capabilities());
        Coordinate coordinate = coordinate();
        if (coordinate != null) {
            answer.setCoordinate(io.stampede.control.v1.Coordinate.newBuilder()
                    .addAllVector(Arrays.stream(coordinate.vector()).boxed().toList())
                    .setError(coordinate.error()).setAdjustment(coordinate.adjustment())
                    .setHeight(coordinate.height()));
        }
        Uni<ProbeAnswer> answered = Uni.createFrom().item(answer.build());
        return simulatedRtt.isZero() ? answered : answered.onItem().delayIt().by(simulatedRtt);
    }

    /** This manager's coordinate, or null before membership has started. */
    private Coordinate coordinate() {
        try {
            return membership.membership().coordinate();
        } catch (IllegalStateException notStarted) {
            return null;
        }
    }
}
