package io.stampede.cluster.leadership;

import io.stampede.cluster.net.HostPort;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.lang.System.Logger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.TimeoutIOException;
import org.apache.ratis.retry.ExceptionDependentRetry;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.MD5FileUtil;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * Leadership of one Raft group (Apache Ratis over gRPC): the managers of a datacenter, or the
 * gates. The leader's term is its fence token: it only rises, so a record stamped with a lower
 * one comes from a deposed leader. A leader that loses touch with a majority steps down.
 *
 * <p>A group starts from one bootstrapping member (a group of one leads at once); others start
 * with no peers and wait until the leader adds them ({@link #addPeer}). Listener calls arrive in
 * order on a thread of their own.
 */
public final class RaftLeadership implements AutoCloseable {

    private static final Logger LOG = System.getLogger(RaftLeadership.class.getName());

    /**
     * A state every member keeps alike: commands committed by the group are applied to it in the
     * same order everywhere. Called on Raft's own thread; must be deterministic.
     */
    public interface Replicated {
        /** Applies one committed command and returns the answer for whoever submitted it. */
        byte[] apply(byte[] command);

        /**
         * The whole state as of the last command applied, for a snapshot: the log up to it is then
         * discarded, and a member that restarts (or lags too far behind) starts from it. Called on
         * the thread that applies commands.
         */
        default byte[] snapshot() {
            return new byte[0];
        }

        /** Replaces the state with a snapshot's, before any later command is applied. */
        default void restore(byte[] snapshot) {
        }

        /** Nothing replicated: leadership only. */
        Replicated NONE = command -> new byte[0];
    }

    /** A snapshot is taken every this many committed entries, and the log before it is purged. */
    static final long SNAPSHOT_EVERY_ENTRIES = 1_000;
    /**
     * The largest entry the log and its replication carry: a command may hold a whole job (4 MiB,
     * JSON-escaped up to 6 times in the worst case).
     */
    static final SizeInBytes MAX_ENTRY = SizeInBytes.valueOf("32MB");

    /**
     * How long the leader waits before its next append to a follower after consecutive failures
     * (Ratis's {@code raft.server.log.appender.retry.policy}: a wait, then how many attempts it
     * serves). Ratis's own ({@code 1ms,10, 1s,20, 5s,1000}) counts a follower's every refusal of an
     * append (its log ends earlier than the leader thought, as a restarted member's does) as a
     * failure too, and after 30 in a row waits 5 s between tries: a restarted gate was seen being
     * caught up in steps 5 s apart, long enough for a second failure to leave the group without a
     * majority that holds the log. Here, after ten tries 1 ms apart, the leader adds 100 ms
     * (randomized by Ratis to 50 to 150 ms) to its usual wait for as many failures as an int counts
     * (past its last attempt Ratis would add none): a follower that is down costs at most about
     * ten connection attempts a second.
     */
    static final String APPENDER_RETRY_POLICY = "1ms,10, 100ms," + Integer.MAX_VALUE;

    /** Told when this member starts or stops leading. */
    public interface Listener {
        /** A listener that does nothing: for a member whose leadership no one follows. */
        Listener NONE = new Listener() {
            @Override
            public void leading(long term) {
            }

            @Override
            public void following(Optional<String> leader, long term) {
            }
        };

        /** This member leads, and {@code term} is its fence from now on. */
        void leading(long term);

        /** This member does not lead; {@code leader} is the member that does, if known. */
        void following(Optional<String> leader, long term);
    }

    /**
     * @param bootstrap   true for the member that founds the group (it starts as a group of one,
     *                    plus {@code peers}); false for one that waits to be added
     * @param peers       other founding members, by id, with their gRPC addresses
     * @param electionMin the shortest election timeout (Raft picks one at random up to {@code electionMax})
     * @param stepDown    how long a leader goes without hearing from a majority before it steps down
     * @param bindHost    the local address the member's gRPC server binds to; {@code address} is
     *                    where the others reach it, which may be a DNS name
     * @param tls         mutual TLS for every call the member serves and makes; empty: plaintext
     */
    public record Settings(String id, HostPort address, String groupName, Path storage, boolean bootstrap,
            Map<String, HostPort> peers, Duration electionMin, Duration electionMax, Duration stepDown,
            String bindHost, Optional<Tls> tls) {

        /** Datacenter-network timings: elections within 300–600 ms, step down after 2 s alone. */
        public static Settings of(String id, HostPort address, String groupName, Path storage, boolean bootstrap,
                Map<String, HostPort> peers) {
            return new Settings(id, address, groupName, storage, bootstrap, peers, Duration.ofMillis(300),
                    Duration.ofMillis(600), Duration.ofSeconds(2), address.host(), Optional.empty());
        }

        /** These settings, the server bound to {@code host} instead of the advertised address's host. */
        public Settings boundTo(String host) {
            return new Settings(id, address, groupName, storage, bootstrap, peers, electionMin, electionMax, stepDown,
                    host, tls);
        }

        /** These settings, with every call of the member over mutual TLS (or plaintext, when empty). */
        public Settings with(Optional<Tls> tls) {
            return new Settings(id, address, groupName, storage, bootstrap, peers, electionMin, electionMax, stepDown,
                    bindHost, tls);
        }
    }

    /**
     * Mutual TLS for a member, from PEM files: its certificate chain (naming the host its peers
     * reach it at), its PKCS#8 private key, and the certificates of the authorities it trusts. A
     * member then serves only callers whose certificate one of those authorities signed, and calls
     * only members whose certificate names the address it dials.
     */
    public record Tls(Path certificate, Path privateKey, Path trust) {

        GrpcTlsConfig config() {
            return new GrpcTlsConfig(privateKey.toFile(), certificate.toFile(), trust.toFile(), true);
        }
    }

    private final Settings settings;
    private final RaftGroupId groupId;
    private final RaftProperties properties;
    /** The TLS configuration of the member's server and clients; empty parameters: plaintext. */
    private final Parameters parameters;
    private final RaftServer server;
    private final ScheduledExecutorService notifications;
    private final Listener listener;
    private final Replicated replicated;
    /** The client commands go through; replaced when one fails (see {@link #submit}). */
    private final AtomicReference<RaftClient> client = new AtomicReference<>();
    private final RaftGroup clientGroup;
    private volatile long leadingTerm = -1;
    private final AtomicLong refusedCommands = new AtomicLong();

    private RaftLeadership(Settings settings, Listener listener, Replicated replicated) throws IOException {
        this.settings = settings;
        this.listener = listener;
        this.replicated = replicated;
        this.groupId = groupId(settings.groupName());
        this.properties = new RaftProperties();
        this.parameters = parameters(settings);
        GrpcConfigKeys.Server.setHost(properties, settings.bindHost());
        GrpcConfigKeys.Server.setPort(properties, settings.address().port());
        RaftServerConfigKeys.setStorageDir(properties, List.of(settings.storage().toFile()));
        RaftServerConfigKeys.Rpc.setTimeoutMin(properties, millis(settings.electionMin()));
        RaftServerConfigKeys.Rpc.setTimeoutMax(properties, millis(settings.electionMax()));
        RaftServerConfigKeys.LeaderElection.setLeaderStepDownWaitTime(properties, millis(settings.stepDown()));
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(properties, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(properties, SNAPSHOT_EVERY_ENTRIES);
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(properties, 2);
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(properties, true);
        RaftServerConfigKeys.Log.setSegmentSizeMax(properties, SizeInBytes.valueOf(2 * MAX_ENTRY.getSize()));
        RaftServerConfigKeys.Log.setWriteBufferSize(properties, SizeInBytes.valueOf(MAX_ENTRY.getSize() + 1024 * 1024));
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(properties, MAX_ENTRY);
        RaftServerConfigKeys.Log.Appender.setRetryPolicy(properties, APPENDER_RETRY_POLICY);
        GrpcConfigKeys.setMessageSizeMax(properties, SizeInBytes.valueOf(2 * MAX_ENTRY.getSize()));
        RaftGroup group = settings.bootstrap() ? RaftGroup.valueOf(groupId, founders(settings)) : RaftGroup.valueOf(groupId);
        this.notifications = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "leadership-" + settings.groupName());
            thread.setDaemon(true);
            return thread;
        });
        this.server = RaftServer.newBuilder().setServerId(RaftPeerId.valueOf(settings.id())).setGroup(group)
                .setProperties(properties).setParameters(parameters).setStateMachine(new Machine())
                .setOption(RaftStorage.StartupOption.RECOVER).build();
        this.clientGroup = settings.bootstrap() ? group : RaftGroup.valueOf(groupId, peer(settings.id(), settings.address()));
        this.client.set(newClient());
    }

    /** How long a command may take to commit, per attempt. */
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);
    /** Attempts of a command beyond the first after it timed out (a slow disk, a lost reply). */
    static final int COMMAND_RETRIES = 2;
    /** Attempts beyond the first after any other failure (no leader yet, an election): about 10 s of them. */
    static final int ELECTION_RETRIES = 20;
    static final Duration COMMAND_RETRY_PAUSE = Duration.ofMillis(500);
    /**
     * How long a command may take in all, its retries included. The retry policy alone does not
     * bound it: a client's commands are sent in order, so one queued behind a command to a member
     * that died waits for that one's retries, timeouts and other failures mixed, first (seen: a
     * job's end still unanswered 35 s after it was submitted). Past it the command fails and later
     * ones go through a fresh client.
     */
    static final Duration COMMAND_DEADLINE = COMMAND_TIMEOUT.multipliedBy(COMMAND_RETRIES + 1)
            .plus(COMMAND_RETRY_PAUSE.multipliedBy(ELECTION_RETRIES));

    /**
     * A client whose commands give up: after {@link #COMMAND_RETRIES} retries of a timeout, or
     * {@link #ELECTION_RETRIES} of anything else (long enough for an election). Ratis's default
     * retries for ever, and a client whose ordered stream lost a reply (a large command that outran
     * its timeout) was seen retrying it, and every later command, for good.
     */
    private RaftClient newClient() {
        RaftProperties clientProperties = new RaftProperties(properties);
        RaftClientConfigKeys.Rpc.setRequestTimeout(clientProperties, millis(COMMAND_TIMEOUT));
        RetryPolicy retries = ExceptionDependentRetry.newBuilder()
                .setExceptionToPolicy(TimeoutIOException.class,
                        RetryPolicies.retryUpToMaximumCountWithFixedSleep(COMMAND_RETRIES, millis(COMMAND_RETRY_PAUSE)))
                .setDefaultPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(ELECTION_RETRIES,
                        millis(COMMAND_RETRY_PAUSE)))
                .setMaxAttempts(ELECTION_RETRIES + 1)
                .build();
        return RaftClient.newBuilder().setProperties(clientProperties).setParameters(parameters)
                .setClientId(clientId(settings.id())).setRaftGroup(clientGroup).setRetryPolicy(retries).build();
    }

    private static Parameters parameters(Settings settings) {
        return settings.tls().map(tls -> GrpcFactory.newRaftParameters(tls.config())).orElseGet(Parameters::new);
    }

    /**
     * A fresh client id that says which member it belongs to: its high half is drawn from the
     * member's id, its low half at random (a restarted member's new client must not meet its old
     * one's replies in the leader's retry cache). The leader takes commands only from clients of
     * its group's members ({@link Machine#startTransaction}).
     */
    static ClientId clientId(String member) {
        return ClientId.valueOf(new UUID(memberHash(member), ThreadLocalRandom.current().nextLong()));
    }

    private static long memberHash(String member) {
        return UUID.nameUUIDFromBytes(("stampede-raft-client/" + member).getBytes(StandardCharsets.UTF_8))
                .getMostSignificantBits();
    }

    /**
     * Starts this member's Raft server.
     *
     * @throws UncheckedIOException when it cannot start (port taken, storage unusable)
     */
    public static RaftLeadership start(Settings settings, Listener listener) {
        return start(settings, listener, Replicated.NONE);
    }

    /**
     * Starts this member's Raft server, keeping {@code replicated} in step with the group.
     *
     * @throws WipedLogException when the member's log is gone but its group remembers it
     */
    public static RaftLeadership start(Settings settings, Listener listener, Replicated replicated) {
        wipedLog(settings).ifPresent(why -> {
            throw new WipedLogException(why);
        });
        try {
            RaftLeadership leadership = new RaftLeadership(settings, listener, replicated);
            leadership.server.start();
            // Ratis does not always say when a leader steps down (it lost its majority, say):
            // check ten times a second, so that a deposed leader stops acting promptly.
            leadership.notifications.scheduleWithFixedDelay(leadership::checkStillLeading, 100, 100,
                    TimeUnit.MILLISECONDS);
            return leadership;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start Raft member " + settings.id() + " of " + settings.groupName()
                    + " at " + settings.address() + ": " + e.getMessage(), e);
        }
    }

    /**
     * A member started with an empty log whose group still counts it and remembers it having
     * reached a log index: its volume was lost or wiped. Trusting it would let it vote as though it
     * had never promised anything, so it refuses to start instead.
     */
    public static final class WipedLogException extends IllegalStateException {
        WipedLogException(String message) {
            super(message);
        }
    }

    /**
     * Why this member must not start: its storage holds no log of the group, yet a founding peer
     * lists it as a member that had reached a log index above 0. Empty when the log is there, when
     * no peer answers within {@link #WIPE_CHECK_TIMEOUT} (a whole group starting cold), or when no
     * peer remembers it (a first start, or a member the group has already removed).
     */
    static Optional<String> wipedLog(Settings settings) {
        RaftGroupId group = groupId(settings.groupName());
        if (settings.peers().isEmpty() || java.nio.file.Files.isDirectory(
                settings.storage().resolve(group.getUuid().toString()))) {
            return Optional.empty();
        }
        RaftProperties properties = new RaftProperties();
        org.apache.ratis.client.RaftClientConfigKeys.Rpc.setRequestTimeout(properties, millis(WIPE_CHECK_TIMEOUT));
        List<String> unanswered = new ArrayList<>();
        for (Map.Entry<String, HostPort> other : settings.peers().entrySet()) {
            try (RaftClient client = RaftClient.newBuilder().setProperties(properties).setParameters(parameters(settings))
                    .setRaftGroup(RaftGroup.valueOf(group, peer(other.getKey(), other.getValue())))
                    .setRetryPolicy(org.apache.ratis.retry.RetryPolicies.noRetry()).build()) {
                org.apache.ratis.protocol.GroupInfoReply info = client.getGroupManagementApi(
                        RaftPeerId.valueOf(other.getKey())).info(group);
                boolean member = info.getGroup().getPeers().stream()
                        .anyMatch(peer -> peer.getId().toString().equals(settings.id()));
                long reached = info.getCommitInfos().stream()
                        .filter(commit -> commit.getServer().getId().toStringUtf8().equals(settings.id()))
                        .mapToLong(org.apache.ratis.proto.RaftProtos.CommitInfoProto::getCommitIndex).max().orElse(0);
                if (member && reached > 0) {
                    return Optional.of("Raft member " + settings.id() + " of " + settings.groupName() + " has no log in "
                            + settings.storage() + ", but " + other.getKey() + " remembers it at log index " + reached
                            + ": its storage was lost or wiped. Restore the volume, or wait until the group's leader"
                            + " has removed the member (stampede.leadership.remove-dead-after) and start it again");
                }
            } catch (IOException | RuntimeException e) {
                unanswered.add(other.getKey() + " (" + e.getMessage() + ")");
            }
        }
        if (unanswered.size() == settings.peers().size()) {
            // A whole group starting cold looks the same as a lost log no one can vouch for.
            LOG.log(Level.WARNING, "Raft member " + settings.id() + " starts with an empty log in " + settings.storage()
                    + " and no founding peer answered whether it had one before: " + String.join(", ", unanswered)
                    + ". Fine for a first start; if this member ran before, its volume was lost");
        }
        return Optional.empty();
    }

    /** How long a starting member with an empty log waits for each peer's answer about it. */
    static final Duration WIPE_CHECK_TIMEOUT = Duration.ofSeconds(2);

    /** The Raft group id of a group name: the same name gives the same group everywhere. */
    static RaftGroupId groupId(String name) {
        return RaftGroupId.valueOf(UUID.nameUUIDFromBytes(("stampede/" + name).getBytes(StandardCharsets.UTF_8)));
    }

    private static List<RaftPeer> founders(Settings settings) {
        Map<String, HostPort> all = new LinkedHashMap<>();
        all.put(settings.id(), settings.address());
        all.putAll(settings.peers());
        List<RaftPeer> peers = new ArrayList<>();
        all.forEach((id, address) -> peers.add(peer(id, address)));
        return peers;
    }

    private static RaftPeer peer(String id, HostPort address) {
        return RaftPeer.newBuilder().setId(id).setAddress(address.toString()).build();
    }

    private static TimeDuration millis(Duration duration) {
        return TimeDuration.valueOf(duration.toMillis(), TimeUnit.MILLISECONDS);
    }

    private Optional<DivisionInfo> info() {
        try {
            return Optional.of(server.getDivision(groupId).getInfo());
        } catch (IOException e) {
            return Optional.empty(); // not (yet) a member of the group
        }
    }

    /** Whether this member leads now, with its leadership confirmed by a committed entry. */
    public boolean isLeader() {
        return info().map(DivisionInfo::isLeaderReady).orElse(false);
    }

    /** The settings this member's Raft server runs with. */
    RaftProperties properties() {
        return properties;
    }

    /** This member's current term. */
    public long term() {
        return info().map(DivisionInfo::getCurrentTerm).orElse(0L);
    }

    /** The index of the last log entry this member applied: −1 before any, 0 while it is no member of the group. */
    public long applied() {
        return info().map(DivisionInfo::getLastAppliedIndex).orElse(0L);
    }

    /** The current leader, if this member knows one. */
    public Optional<String> leader() {
        return info().map(DivisionInfo::getLeaderId).map(RaftPeerId::toString);
    }

    /** The group's members as this member knows them, by id. */
    public Map<String, String> members() {
        Map<String, String> members = new LinkedHashMap<>();
        try {
            for (RaftPeer peer : server.getDivision(groupId).getGroup().getPeers()) {
                members.put(peer.getId().toString(), peer.getAddress());
            }
        } catch (IOException e) {
            // Not a member yet: no members known.
        }
        return members;
    }

    public String id() {
        return settings.id();
    }

    /** Commands this member, leading, refused because their client belonged to no member. */
    public long refusedCommands() {
        return refusedCommands.get();
    }

    /** Adds a member to the group; only the leader may. Returns once the change is committed. */
    public void addPeer(String id, HostPort address) throws IOException {
        Map<String, String> members = members();
        if (members.containsKey(id)) {
            return;
        }
        List<RaftPeer> peers = new ArrayList<>();
        members.forEach((member, where) -> peers.add(RaftPeer.newBuilder().setId(member).setAddress(where).build()));
        peers.add(peer(id, address));
        reconfigure(peers);
    }

    /** Removes a member from the group (it is long dead, or left); only the leader may. */
    public void removePeer(String id) throws IOException {
        Map<String, String> members = members();
        if (!members.containsKey(id)) {
            return;
        }
        List<RaftPeer> peers = new ArrayList<>();
        members.forEach((member, where) -> {
            if (!member.equals(id)) {
                peers.add(RaftPeer.newBuilder().setId(member).setAddress(where).build());
            }
        });
        reconfigure(peers);
    }

    private void reconfigure(List<RaftPeer> peers) throws IOException {
        if (!isLeader()) {
            throw new IOException(settings.id() + " does not lead " + settings.groupName() + "; ask " + leader().orElse("the leader"));
        }
        try (RaftClient client = RaftClient.newBuilder().setProperties(properties).setParameters(parameters)
                .setClientId(clientId(settings.id())).setRaftGroup(server.getDivision(groupId).getGroup())
                .setLeaderId(server.getId()).build()) {
            RaftClientReply reply = client.admin().setConfiguration(peers);
            if (!reply.isSuccess()) {
                throw new IOException("the group refused the new membership: " + reply.getException());
            }
        }
    }

    /**
     * Submits a command to the group; it completes with the answer of {@link Replicated#apply}
     * once the command is committed and applied (the client finds the leader by itself).
     */
    public java.util.concurrent.CompletableFuture<byte[]> submit(byte[] command) {
        RaftClient using = client.get();
        return using.async().send(Message.valueOf(ByteString.copyFrom(command))).copy()
                .orTimeout(COMMAND_DEADLINE.toMillis(), TimeUnit.MILLISECONDS).whenComplete((reply, failure) -> {
            if (failure != null) {
                // The client gave up on this command, or it outran its deadline: later ones go
                // through a fresh client (its ordered stream may be stuck). Commands are idempotent,
                // so none is harmed by having been applied after all.
                replaceClient(using);
            }
        }).thenApply(reply -> {
            if (!reply.isSuccess()) {
                throw new java.util.concurrent.CompletionException(reply.getException());
            }
            return reply.getMessage().getContent().toByteArray();
        });
    }

    private synchronized void replaceClient(RaftClient failed) {
        if (client.get() != failed) {
            return; // replaced already, after another of its commands failed
        }
        try {
            client.set(newClient());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not make a new Raft client for " + settings.id(), e);
            return;
        }
        LOG.log(Level.INFO, "a command to group " + settings.groupName() + " failed: later commands go through a new"
                + " client");
        // Not here, on the failed client's own callback thread, and not before its other commands
        // have had their own retries.
        notifications.schedule(() -> closeQuietly(failed), COMMAND_TIMEOUT.toMillis() * (COMMAND_RETRIES + 1),
                TimeUnit.MILLISECONDS);
    }

    private void closeQuietly(RaftClient stale) {
        try {
            stale.close();
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.DEBUG, "closing a Raft client of " + settings.id(), e);
        }
    }

    /** Stops this member's Raft server; the others elect a new leader if it led. */
    @Override
    public void close() {
        closeQuietly(client.get());
        try {
            server.close();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "closing Raft member " + settings.id(), e);
        }
        notifications.shutdown();
    }

    private void checkStillLeading() {
        if (leadingTerm >= 0 && !isLeader()) {
            notifyFollowing(leader().filter(id -> !id.equals(settings.id())));
        }
    }

    private void notifyLeading() {
        long term = term();
        leadingTerm = term;
        notifications.execute(() -> listener.leading(term));
    }

    private void notifyFollowing(Optional<String> leader) {
        long term = term();
        leadingTerm = -1;
        notifications.execute(() -> listener.following(leader, term));
    }

    /**
     * Leadership, and the replicated state: each committed command is applied in log order, and
     * the state is snapshotted to one file in the member's storage every
     * {@value #SNAPSHOT_EVERY_ENTRIES} entries.
     */
    private final class Machine extends BaseStateMachine {

        private final SimpleStateMachineStorage snapshots = new SimpleStateMachineStorage();

        @Override
        public void initialize(RaftServer raftServer, RaftGroupId group, RaftStorage raftStorage) throws IOException {
            super.initialize(raftServer, group, raftStorage);
            snapshots.init(raftStorage);
            restoreLatest();
        }

        @Override
        public void reinitialize() throws IOException {
            restoreLatest();
        }

        @Override
        public StateMachineStorage getStateMachineStorage() {
            return snapshots;
        }

        @Override
        public long takeSnapshot() throws IOException {
            TermIndex last = getLastAppliedTermIndex();
            if (last == null || last.getIndex() < 0) {
                return RaftLog.INVALID_LOG_INDEX;
            }
            java.io.File file = snapshots.getSnapshotFile(last.getTerm(), last.getIndex());
            java.nio.file.Files.write(file.toPath(), replicated.snapshot());
            MD5Hash digest = MD5FileUtil.computeAndSaveMd5ForFile(file);
            snapshots.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), digest), last));
            RaftLeadership.LOG.log(Level.DEBUG, "{0}: snapshot at {1}", settings.id(), last);
            return last.getIndex();
        }

        private void restoreLatest() throws IOException {
            SingleFileSnapshotInfo latest = snapshots.loadLatestSnapshot();
            if (latest == null) {
                return;
            }
            java.nio.file.Path file = latest.getFile().getPath();
            MD5Hash expected = latest.getFile().getFileDigest();
            if (expected != null && !expected.equals(MD5FileUtil.computeMd5ForFile(file.toFile()))) {
                throw new IOException("the Raft snapshot " + file + " is corrupt (its digest does not match)");
            }
            replicated.restore(java.nio.file.Files.readAllBytes(file));
            updateLastAppliedTermIndex(latest.getTerm(), latest.getIndex());
            RaftLeadership.LOG.log(Level.INFO, "{0}: state restored from the snapshot at {1}", settings.id(),
                    latest.getTermIndex());
        }

        /**
         * Refuses a command whose client belongs to no member of the group (by its id, see
         * {@link #clientId}): commands come only from the group's own members. The client id is
         * what the caller says; mutual TLS ({@link Tls}) is what keeps callers without a
         * certificate of the group's authorities out. The refusal is the transaction's exception,
         * so Ratis answers it (a {@code StateMachineException}) and closes its retry-cache entry:
         * a thrown exception would leave the entry pending and the client's stream stalled.
         */
        @Override
        public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
            TransactionContext transaction = super.startTransaction(request);
            long claimed = request.getClientId().getUuid().getMostSignificantBits();
            boolean member = server.getDivision(groupId).getGroup().getPeers().stream()
                    .anyMatch(peer -> memberHash(peer.getId().toString()) == claimed);
            if (!member) {
                refusedCommands.incrementAndGet();
                String refusal = "refused a command to group " + settings.groupName() + " from client "
                        + request.getClientId() + ": it is not a client of one of the group's members";
                RaftLeadership.LOG.log(Level.WARNING, refusal);
                transaction.setException(new IOException(refusal));
            }
            return transaction;
        }

        @Override
        public java.util.concurrent.CompletableFuture<Message> applyTransaction(TransactionContext transaction) {
            LogEntryProto entry = transaction.getLogEntry();
            byte[] answer = replicated.apply(entry.getStateMachineLogEntry().getLogData().toByteArray());
            updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
            return java.util.concurrent.CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(answer)));
        }

        @Override
        public void notifyLeaderReady() {
            notifyLeading();
        }

        @Override
        public void notifyNotLeader(java.util.Collection<org.apache.ratis.statemachine.TransactionContext> pending) {
            if (leadingTerm >= 0) {
                notifyFollowing(Optional.empty());
            }
        }

        @Override
        public void notifyLeaderChanged(RaftGroupMemberId member, RaftPeerId newLeader) {
            if (newLeader == null || !newLeader.equals(server.getId())) {
                notifyFollowing(Optional.ofNullable(newLeader).map(RaftPeerId::toString));
            }
        }
    }

    @Override
    public String toString() {
        return "Raft member " + settings.id() + " of " + settings.groupName() + (leadingTerm >= 0 ? " (leading, term "
                + leadingTerm + ")" : "");
    }
}
