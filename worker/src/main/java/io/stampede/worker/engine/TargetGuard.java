package io.stampede.worker.engine;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import io.stampede.model.security.TargetPolicy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;

/**
 * Judges every request's host, and every redirect's, against the {@link TargetPolicy} before it is
 * sent. A host is resolved here (through the JVM's resolver, off the event loop) and the request is
 * sent to the address that was judged, so a name cannot resolve to an allowed address for the check
 * and to a denied one for the connection. Verdicts are kept {@link #REMEMBER_NANOS} per host, at
 * most {@link #MAX_HOSTS} hosts.
 */
final class TargetGuard {

    /** How long a host's verdict and address are kept: the JVM's own cache of a name that resolved. */
    static final long REMEMBER_NANOS = 30_000_000_000L;
    /** Hosts remembered at most; past it, every verdict is forgotten (a job naming that many hosts is rare). */
    static final int MAX_HOSTS = 10_000;

    /** A request the policy refuses: counted as the failure {@code denied}, never sent. */
    static final class DeniedException extends RuntimeException {
        DeniedException(String reason) {
            super(reason, null, false, false);
        }
    }

    /** A host's verdict: where to connect (null: it does not resolve), or why not at all. */
    private record Verdict(InetAddress address, String refusal, long expiresNanos) {
    }

    private final Vertx vertx;
    private final TargetPolicy policy;
    private final LongSupplier nanoTime;
    private final Map<String, Verdict> verdicts = new ConcurrentHashMap<>();

    TargetGuard(Vertx vertx, TargetPolicy policy, LongSupplier nanoTime) {
        this.vertx = vertx;
        this.policy = policy;
        this.nanoTime = nanoTime;
    }

    /**
     * Completes with the address to send a request for {@code host} to, or fails with
     * {@link DeniedException}, or with {@link java.net.UnknownHostException} when the host does not
     * resolve (never sent: the client must not look it up again, maybe elsewhere, unjudged).
     * Completes at once for a host judged in the last {@link #REMEMBER_NANOS}.
     */
    Future<SocketAddress> admit(String host, int port) {
        Verdict known = verdicts.get(host);
        if (known != null && nanoTime.getAsLong() - known.expiresNanos() < 0) {
            return outcome(known, port);
        }
        return vertx.executeBlocking(() -> judge(host), false).compose(verdict -> outcome(verdict, port));
    }

    private Verdict judge(String host) {
        List<InetAddress> addresses;
        try {
            addresses = List.of(InetAddress.getAllByName(host));
        } catch (UnknownHostException e) {
            addresses = List.of();
        }
        Optional<String> refusal = policy.refusal(host, addresses);
        Verdict verdict = new Verdict(addresses.isEmpty() ? null : addresses.get(0), refusal.orElse(null),
                nanoTime.getAsLong() + REMEMBER_NANOS);
        if (verdicts.size() >= MAX_HOSTS) {
            verdicts.clear();
        }
        verdicts.put(host, verdict);
        return verdict;
    }

    private static Future<SocketAddress> outcome(Verdict verdict, int port) {
        if (verdict.refusal() != null) {
            return Future.failedFuture(new DeniedException(verdict.refusal()));
        }
        if (verdict.address() == null) {
            return Future.failedFuture(new java.net.UnknownHostException("the target's host does not resolve"));
        }
        return Future.succeededFuture(SocketAddress.inetSocketAddress(port, verdict.address().getHostAddress()));
    }
}
