package io.stampede.node.config;

import io.stampede.cluster.leadership.RaftLeadership;
import io.stampede.cluster.net.HostPort;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How a manager takes part in its datacenter's Raft group, as configured under
 * {@code stampede.leadership.*}, and the checks those settings must pass. Pure.
 */
public record LeadershipSettings(List<String> peers, Optional<String> storage, Optional<String> tlsCertificate,
        Optional<String> tlsPrivateKey, Optional<String> tlsTrust) {

    public LeadershipSettings {
        peers = List.copyOf(peers);
    }

    public LeadershipSettings(List<String> peers, Optional<String> storage) {
        this(peers, storage, Optional.empty(), Optional.empty(), Optional.empty());
    }

    public static LeadershipSettings of(NodeConfig config) {
        NodeConfig.Tls tls = config.leadership().tls();
        return new LeadershipSettings(config.leadership().peers().orElse(List.of()), config.leadership().storage(),
                tls.certificate(), tls.privateKey(), tls.trust());
    }

    /** Mutual TLS for Raft, when its three files are given ({@link #problems} checks them). */
    public Optional<RaftLeadership.Tls> tls() {
        if (tlsCertificate.isEmpty() || tlsPrivateKey.isEmpty() || tlsTrust.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new RaftLeadership.Tls(Path.of(tlsCertificate.get()), Path.of(tlsPrivateKey.get()),
                Path.of(tlsTrust.get())));
    }

    /**
     * The founding peers other than {@code self}, by id.
     *
     * @throws IllegalArgumentException when an entry is not {@code id@host:port} (see {@link #problems})
     */
    public Map<String, HostPort> peersExcept(String self) {
        Map<String, HostPort> parsed = new LinkedHashMap<>();
        for (String peer : peers) {
            Map.Entry<String, HostPort> entry = parse(peer);
            if (!entry.getKey().equals(self)) {
                parsed.put(entry.getKey(), entry.getValue());
            }
        }
        return parsed;
    }

    /**
     * Where {@code self} is reached, when the founding peers name it too (as one list given to
     * every member does, e.g. a StatefulSet's stable DNS names): empty otherwise.
     */
    public Optional<HostPort> own(String self) {
        return peers.stream().map(LeadershipSettings::parse).filter(entry -> entry.getKey().equals(self))
                .map(Map.Entry::getValue).findFirst();
    }

    /**
     * The local address a member's Raft server binds to: the host it is reached at when that is
     * an IP address (a local cluster's 127.0.0.1), otherwise {@code bindHost} (membership's bind
     * host): a DNS name may not resolve to this pod while it starts. Raft never binds beyond
     * loopback while membership binds loopback: membership then needs no key, and Raft's gRPC
     * may be plaintext ({@link #tls} is optional, docs/security.md).
     */
    public static String raftBindHost(HostPort reachedAt, String bindHost) {
        boolean literal = HostPort.isAddressLiteral(reachedAt.host());
        if (MembershipSettings.loopback(bindHost) && !(literal && MembershipSettings.loopback(reachedAt.host()))) {
            return bindHost;
        }
        return literal ? reachedAt.host() : bindHost;
    }

    /** One {@code id@host:port} entry; an exception with a message fit for the user otherwise. */
    private static Map.Entry<String, HostPort> parse(String peer) {
        int at = peer.indexOf('@');
        if (at <= 0) {
            throw new IllegalArgumentException("'" + peer + "' is not id@host:port");
        }
        return Map.entry(peer.substring(0, at).trim(), HostPort.parse(peer.substring(at + 1)));
    }

    /** Every problem with these settings, each as {@code key: what is wrong}, the TLS files checked now. */
    public List<String> problems() {
        return problems(Optional.empty(), Instant.now());
    }

    /**
     * Every problem with these settings, each as {@code key: what is wrong}: the TLS files
     * ({@link TlsFiles}) checked at {@code now}, and, when given, against the host this
     * member's peers reach it at.
     */
    public List<String> problems(Optional<String> reachedAt, Instant now) {
        List<String> problems = new ArrayList<>();
        for (String peer : peers) {
            try {
                parse(peer);
            } catch (IllegalArgumentException e) {
                problems.add("stampede.leadership.peers: " + e.getMessage());
            }
        }
        storage.filter(String::isBlank).ifPresent(blank -> problems.add("stampede.leadership.storage: must name a directory"));
        problems.addAll(tlsProblems(reachedAt, now));
        return problems;
    }

    /** What to warn about at start: a TLS certificate that expires soon. */
    public List<String> warnings(Instant now) {
        return tls().map(files -> TlsFiles.warnings(TlsFiles.RAFT, files.certificate(), now)).orElse(List.of());
    }

    /** The TLS files' problems ({@link TlsFiles}). */
    private List<String> tlsProblems(Optional<String> reachedAt, Instant now) {
        return TlsFiles.problems(TlsFiles.RAFT, tlsCertificate, tlsPrivateKey, tlsTrust, reachedAt, now);
    }
}
