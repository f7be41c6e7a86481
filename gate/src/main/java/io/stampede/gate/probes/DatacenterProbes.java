package io.stampede.gate.probes;

import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.stampede.cluster.net.HostPort;
import io.stampede.control.v1.DatacenterControlGrpc;
import io.stampede.control.v1.ProbeAnswer;
import io.stampede.control.v1.ProbeRequest;
import io.stampede.gate.jobs.JobService;
import io.stampede.gate.routing.Datacenters;
import io.stampede.model.load.LoadState;
import io.stampede.model.wire.ProtocolVersion;
import io.stampede.node.config.ControlTls;
import io.stampede.node.config.NodeConfig;
import io.stampede.node.config.NodeIdentity;
import io.stampede.node.protocol.NodeProtocol;
import io.stampede.node.protocol.PeerProtocols;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.common.GrpcStatus;

/**
 * Probes each datacenter's leading manager every {@code stampede.routing.probe-interval} (gRPC
 * {@code Probe}, at most {@code probe-timeout}), and hands the answers, their round trips and the
 * failures to the job service, whose routing uses them. At most one probe per datacenter is out
 * at a time.
 */
@Singleton
public class DatacenterProbes {

    private static final Logger LOG = Logger.getLogger(DatacenterProbes.class);

    private final JobService jobs;
    private final Vertx vertx;
    private final String gate;
    private final Duration interval;
    private final Duration timeout;
    private final NodeProtocol protocol;
    private final PeerProtocols peers;
    private final ControlTls tls;
    private final Clock clock;
    private final Set<String> outstanding = ConcurrentHashMap.newKeySet();
    /** Datacenters whose last probe failed, to log a failure once and the recovery once. */
    private final Set<String> failing = ConcurrentHashMap.newKeySet();
    private GrpcClient client;
    private long timer = -1;

    public DatacenterProbes(JobService jobs, Vertx vertx, NodeIdentity identity, NodeConfig config,
            NodeProtocol protocol, PeerProtocols peers, Clock clock) {
        this.jobs = jobs;
        this.tls = ControlTls.of(config);
        this.clock = clock;
        this.protocol = protocol;
        this.peers = peers;
        this.vertx = vertx;
        this.gate = identity.id();
        this.interval = config.routing().probeInterval();
        this.timeout = config.routing().probeTimeout();
    }

    void start(@Observes StartupEvent event) {
        client = GrpcClient.client(vertx, clientOptions(tls));
        if (tls.on()) {
            tls.warnings(clock.instant()).forEach(LOG::warn);
            LOG.info("datacenters are probed over mutual TLS (stampede.control.tls)");
        }
        timer = vertx.setPeriodic(interval.toMillis(), id -> probeAll());
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        if (client != null) {
            client.close();
        }
    }

    /**
     * Plain HTTP/2, or, with {@code stampede.control.tls.*}, TLS with this gate's certificate,
     * trusting only the given authorities and checking that a manager's certificate names the host
     * it was probed at.
     */
    public static HttpClientOptions clientOptions(ControlTls tls) {
        // HTTP/2 with prior knowledge, as GrpcClient.client(vertx) makes it: no HTTP/1.1 upgrade (docs/api.md).
        HttpClientOptions options = new HttpClientOptions().setHttp2ClearTextUpgrade(false);

        tls.files().ifPresent(files -> options.setSsl(true).setUseAlpn(true).setVerifyHost(true)
                .setKeyCertOptions(new PemKeyCertOptions().setCertPath(files.certificate().toString())
                        .setKeyPath(files.privateKey().toString()))
                .setTrustOptions(new PemTrustOptions().addCertPath(files.trust().toString())));
        return options;
    }

    /** The job service's lock is taken off the event loop: it may be held while a large job is read. */
    private void probeAll() {
        vertx.executeBlocking(jobs::probeTargets, false).onSuccess(targets -> targets.forEach((datacenter, address) -> {
            if (outstanding.add(datacenter)) {
                probe(datacenter, address);
            }
        })).onFailure(e -> LOG.error("probing datacenters failed; it runs again at the next interval", e));
    }

    private void probe(String datacenter, String address) {
        HostPort target;
        try {
            target = HostPort.parse(address);
        } catch (IllegalArgumentException e) {
            outstanding.remove(datacenter);
            jobs.probeFailed(datacenter, "its probe address '" + address + "' is not host:port");
            return;
        }
        ProbeRequest request = ProbeRequest.newBuilder().setGate(gate).setDatacenter(datacenter).build();
        long started = System.nanoTime();
        Promise<ProbeAnswer> answered = Promise.promise();
        long deadline = vertx.setTimer(timeout.toMillis(),
                id -> answered.tryFail("no answer within " + timeout.toMillis() + " ms"));
        client.request(SocketAddress.inetSocketAddress(target.port(), target.host()), DatacenterControlGrpc.getProbeMethod())
                .compose(call -> {
                    call.idleTimeout(timeout.toMillis()); // a probe given up is closed, not left open
                    return call.send(request);
                })
                .compose(response -> response.last().compose(answer -> response.status() == null
                        || response.status() == GrpcStatus.OK ? Future.succeededFuture(answer)
                                : Future.failedFuture("answered " + response.status())))
                .onComplete(result -> {
                    if (result.succeeded()) {
                        answered.tryComplete(result.result());
                    } else {
                        answered.tryFail(result.cause());
                    }
                });
        answered.future().onComplete(result -> {
            vertx.cancelTimer(deadline);
            outstanding.remove(datacenter);
            double rttMillis = (System.nanoTime() - started) / 1e6;
            String refusal = result.succeeded() ? refusal(result.result()) : "";
            if (result.succeeded() && result.result().getDatacenter().equals(datacenter) && refusal.isEmpty()) {
                peers.told(result.result().getManager(), result.result().getCapabilitiesList());
                if (failing.remove(datacenter)) {
                    LOG.infof("datacenter %s answers probes again at %s", datacenter, address);
                }
                Datacenters.Report answer = report(result.result(), address);
                vertx.executeBlocking(() -> {
                    jobs.probeAnswered(answer, rttMillis);
                    return null;
                }, false);
            } else {
                String why = !result.succeeded() ? String.valueOf(result.cause().getMessage())
                        : !refusal.isEmpty() ? refusal : "answered for datacenter " + result.result().getDatacenter();
                if (failing.add(datacenter)) {
                    LOG.warnf("probe of datacenter %s at %s failed: %s (logged again when it answers)", datacenter,
                            address, why);
                }
                vertx.executeBlocking(() -> {
                    jobs.probeFailed(datacenter, why);
                    return null;
                }, false);
            }
        });
    }

    /**
     * Why an answer is refused for its protocol: its manager speaks another MAJOR (empty when it
     * does not; a manager of 4.2 and older names no protocol and is read as it always was).
     */
    private String refusal(ProbeAnswer answer) {
        if (answer.getProtocol().isEmpty()) {
            return "";
        }
        ProtocolVersion theirs;
        try {
            theirs = ProtocolVersion.parse(answer.getProtocol());
        } catch (IllegalArgumentException e) {
            return "its manager " + answer.getManager() + " answered in no protocol version: " + e.getMessage();
        }
        if (protocol.version().reads(theirs)) {
            return "";
        }
        peers.refused(answer.getManager(), theirs, PeerProtocols.PROBE);
        return "its manager " + answer.getManager() + " speaks protocol " + theirs + " and this gate "
                + protocol.version() + " (another MAJOR)";
    }

    /** The answer in the router's terms; a follower's answer points at its leader when it knows where. */
    static Datacenters.Report report(ProbeAnswer answer, String probedAt) {
        LoadState load;
        try {
            load = LoadState.valueOf(answer.getLoad());
        } catch (IllegalArgumentException e) {
            load = LoadState.HEALTHY;
        }
        String next = answer.getLeader() ? probedAt : answer.getLeaderAddress();
        return new Datacenters.Report(answer.getDatacenter(), answer.getManager(), answer.getLeaderId(),
                answer.getTerm(), next, answer.getManagersAlive(), answer.getManagersTotal(), answer.getWorkers(),
                answer.getHealthyWorkers(), answer.getCores(), answer.getFreeCores(), answer.getActiveJobs(), load,
                answer.getCoresFreeInMillis());
    }
}
