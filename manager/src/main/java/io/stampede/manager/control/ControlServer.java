package io.stampede.manager.control;

import java.time.Clock;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.grpc.StatusRuntimeException;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.stampede.control.v1.DatacenterControlGrpc;
import io.stampede.control.v1.ProbeAnswer;
import io.stampede.control.v1.ProbeRequest;
import io.stampede.node.config.ControlTls;
import io.stampede.node.config.NodeConfig;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;

/**
 * Answers gates' probes over mutual TLS on {@code stampede.ports.control}, when
 * {@code stampede.control.tls.*} is set: a caller without a certificate of an authority in
 * {@code trust} gets no answer (docs/security.md#probes-over-mutual-tls). It binds the HTTP
 * port's host ({@code quarkus.http.host}), so a local cluster's managers answer on loopback only.
 * A manager that cannot open the port does not start.
 */
@Singleton
public class ControlServer {

    private static final Logger LOG = Logger.getLogger(ControlServer.class);

    private final Vertx vertx;
    private final ProbeAnswers answers;
    private final ControlTls tls;
    private final String host;
    private final Clock clock;
    private HttpServer server;

    public ControlServer(Vertx vertx, ProbeAnswers answers, NodeConfig config, Clock clock,
            @ConfigProperty(name = "quarkus.http.host", defaultValue = "0.0.0.0") String host) {
        this.vertx = vertx;
        this.answers = answers;
        this.tls = ControlTls.of(config);
        this.host = host;
        this.clock = clock;
    }

    void start(@Observes StartupEvent event) throws InterruptedException, ExecutionException, TimeoutException {
        if (tls.files().isEmpty()) {
            LOG.info("gates' probes are answered as plain gRPC on the HTTP port (no stampede.control.tls)");
            return;
        }
        ControlTls.Files files = tls.files().get();
        tls.warnings(clock.instant()).forEach(LOG::warn);
        HttpServerOptions options = new HttpServerOptions().setHost(host).setPort(tls.port()).setSsl(true)
                .setUseAlpn(true).setClientAuth(ClientAuth.REQUIRED)
                .setKeyCertOptions(new PemKeyCertOptions().setCertPath(files.certificate().toString())
                        .setKeyPath(files.privateKey().toString()))
                .setTrustOptions(new PemTrustOptions().addCertPath(files.trust().toString()));
        GrpcServer grpc = GrpcServer.server(vertx);
        grpc.callHandler(DatacenterControlGrpc.getProbeMethod(), call -> call.handler(probe -> answer(call, probe)));
        server = vertx.createHttpServer(options).requestHandler(grpc);
        server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        LOG.infof("gates' probes are answered over mutual TLS on %s:%d only", host, server.actualPort());
    }

    void stop(@Observes ShutdownEvent event) {
        if (server != null) {
            server.close();
        }
    }

    /**
     * Off the event loop, as {@link ProbeService} answers: the coordinator's lock may be busy. The
     * answer, or the failure's status, is written back on the call's own context.
     */
    private void answer(GrpcServerRequest<ProbeRequest, ProbeAnswer> call, ProbeRequest probe) {
        Context context = vertx.getOrCreateContext();
        Uni.createFrom().deferred(() -> answers.answer(probe))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .emitOn(task -> context.runOnContext(ignored -> task.run()))
                .subscribe().with(
                answer -> call.response().end(answer),
                failure -> {
                    if (failure instanceof StatusRuntimeException status) {
                        call.response().status(GrpcStatus.valueOf(status.getStatus().getCode().value()))
                                .statusMessage(status.getStatus().getDescription()).end();
                    } else {
                        LOG.warn("answering a probe failed", failure);
                        call.response().status(GrpcStatus.INTERNAL).statusMessage(String.valueOf(failure.getMessage()))
                                .end();
                    }
                });
    }
}
