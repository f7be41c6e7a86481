package io.stampede.manager.control;

import io.grpc.Status;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import io.stampede.control.v1.DatacenterControl;
import io.stampede.control.v1.ProbeAnswer;
import io.stampede.control.v1.ProbeRequest;
import io.stampede.node.config.ControlTls;
import io.stampede.node.config.NodeConfig;

/**
 * Answers gates' probes as plain gRPC on the HTTP port ({@link ProbeAnswers}), unless probes are
 * over mutual TLS ({@code stampede.control.tls.*}): then a probe here is refused with
 * {@code PERMISSION_DENIED}, naming the port that answers it ({@link ControlServer}).
 */
@GrpcService
public class ProbeService implements DatacenterControl {

    private final ProbeAnswers answers;
    private final ControlTls tls;

    public ProbeService(ProbeAnswers answers, NodeConfig config) {
        this.answers = answers;
        this.tls = ControlTls.of(config);
    }

    /** On a worker thread: the coordinator's lock may be held while it applies a large record. */
    @Override
    @Blocking
    public Uni<ProbeAnswer> probe(ProbeRequest request) {
        if (tls.on()) {
            return Uni.createFrom().failure(Status.PERMISSION_DENIED
                    .withDescription("this manager answers probes over mutual TLS on port " + tls.port()
                            + " only (stampede.control.tls)")
                    .asRuntimeException());
        }
        return answers.answer(request);
    }
}
