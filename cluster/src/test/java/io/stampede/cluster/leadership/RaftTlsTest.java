package io.stampede.cluster.leadership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.stampede.cluster.net.HostPort;
import io.stampede.local.FreePorts;
import io.stampede.local.Certificates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.util.TimeDuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Raft group over mutual TLS, on real gRPC over loopback: its members, each with a certificate
 * of the group's authority, elect a leader and commit commands; a caller without a certificate,
 * or with one of another authority, gets nothing in; a command from a client of no member is
 * refused even with a good certificate; a member whose certificate does not name the address it
 * is dialled at is not called.
 */
class RaftTlsTest {

    @TempDir
    static Path directory;

    static Certificates group;
    static Certificates other;
    static final List<RaftLeadership> members = new ArrayList<>();
    static final Map<String, HostPort> addresses = new LinkedHashMap<>();
    /** Commands applied, over every member. */
    static final AtomicInteger applied = new AtomicInteger();

    @BeforeAll
    static void startGroup() throws IOException {
        group = Certificates.authority(directory.resolve("certificates"), "group-ca", Duration.ofDays(2));
        other = Certificates.authority(directory.resolve("certificates"), "other-ca", Duration.ofDays(2));
        for (String id : List.of("t1", "t2", "t3")) {
            addresses.put(id, new HostPort("127.0.0.1", FreePorts.tcp()));
        }
        for (Map.Entry<String, HostPort> member : addresses.entrySet()) {
            Map<String, HostPort> peers = new LinkedHashMap<>(addresses);
            peers.remove(member.getKey());
            Certificates.Issued issued = group.issue(member.getKey());
            RaftLeadership.Settings settings = RaftLeadership.Settings.of(member.getKey(), member.getValue(), "tls",
                    Files.createDirectories(directory.resolve(member.getKey())), true, peers)
                    .with(Optional.of(new RaftLeadership.Tls(issued.certificate(), issued.privateKey(), issued.trust())));
            members.add(RaftLeadership.start(settings, RaftLeadership.Listener.NONE, command -> {
                applied.incrementAndGet();
                return command;
            }));
        }
    }

    @AfterAll
    static void stopGroup() {
        members.forEach(RaftLeadership::close);
    }

    private static RaftLeadership leader() {
        await().atMost(Duration.ofSeconds(20)).until(() -> members.stream().anyMatch(RaftLeadership::isLeader));
        return members.stream().filter(RaftLeadership::isLeader).findFirst().orElseThrow();
    }

    @Test
    void membersWithTheGroupsCertificatesElectALeaderAndCommitCommands() throws Exception {
        RaftLeadership leader = leader();
        int before = applied.get();

        byte[] answer = members.get(0).submit(new byte[] {'o', 'k'}).get(20, TimeUnit.SECONDS);

        assertThat(answer).containsExactly('o', 'k');
        await().atMost(Duration.ofSeconds(10)).until(() -> applied.get() == before + members.size());
        assertThat(leader.term()).isPositive();
    }

    @Test
    void aCallerWithoutACertificateOrWithAnotherAuthoritysGetsNothingIn() throws Exception {
        leader();
        int before = applied.get();

        assertThatThrownBy(() -> send(new Parameters(), RaftLeadership.clientId("t1")))
                .as("a plaintext caller").isInstanceOf(IOException.class)
                .message().doesNotContain("not a client of one of the group's members");
        Certificates.Issued stranger = other.issue("stranger");
        assertThatThrownBy(() -> send(GrpcFactory.newRaftParameters(new RaftLeadership.Tls(stranger.certificate(),
                stranger.privateKey(), group.trust()).config()), RaftLeadership.clientId("t1")))
                .as("a caller whose certificate another authority signed").isInstanceOf(IOException.class)
                .message().doesNotContain("not a client of one of the group's members");
        // The same call, as the same client, with a certificate of the group's authority: taken.
        Certificates.Issued member = group.issue("t1-again");
        send(GrpcFactory.newRaftParameters(new RaftLeadership.Tls(member.certificate(), member.privateKey(),
                member.trust()).config()), RaftLeadership.clientId("t1"));

        await().atMost(Duration.ofSeconds(10)).until(() -> applied.get() >= before + members.size());
        assertThat(applied.get()).as("only the call with the group's certificate was applied")
                .isEqualTo(before + members.size());
    }

    @Test
    void aCommandFromAClientOfNoMemberIsRefusedEvenWithTheGroupsCertificate() throws Exception {
        RaftLeadership leader = leader();
        int before = applied.get();
        long refused = leader.refusedCommands();
        Certificates.Issued insider = group.issue("not-a-member");
        Parameters tls = GrpcFactory.newRaftParameters(new RaftLeadership.Tls(insider.certificate(),
                insider.privateKey(), insider.trust()).config());

        assertThatThrownBy(() -> send(tls, ClientId.randomId())).as("a client of no one")
                .hasMessageContaining("not a client of one of the group's members");
        // Twice from one client: each refusal is answered at once, and the client's stream goes on.
        ClientId outsider = RaftLeadership.clientId("gate-that-is-not-in-the-group");
        try (RaftClient raft = client(tls, outsider, "tls", addresses, leader.id())) {
            for (int attempt = 1; attempt <= 2; attempt++) {
                String answer;
                try {
                    RaftClientReply reply = raft.async().send(Message.valueOf("forged")).get(10, TimeUnit.SECONDS);
                    answer = reply.isSuccess() ? "applied" : String.valueOf(reply.getException());
                } catch (java.util.concurrent.ExecutionException e) {
                    answer = String.valueOf(e.getCause());
                }
                // A stalled stream would have thrown a TimeoutException instead.
                assertThat(answer).as("attempt %d", attempt).contains("not a client of one of the group's members");
            }
        }

        assertThat(leader.refusedCommands()).isEqualTo(refused + 3);
        assertThat(applied.get()).isEqualTo(before);
    }

    @Test
    void aMemberWhoseCertificateDoesNotNameTheAddressItIsReachedAtIsNotCalled() throws Exception {
        HostPort address = new HostPort("127.0.0.1", FreePorts.tcp());
        Certificates.Issued misnamed = group.issue("t9", "dns:elsewhere.example");
        AtomicInteger appliedThere = new AtomicInteger();
        try (RaftLeadership alone = RaftLeadership.start(RaftLeadership.Settings.of("t9", address, "misnamed",
                Files.createDirectories(directory.resolve("t9")), true, Map.of())
                .with(Optional.of(new RaftLeadership.Tls(misnamed.certificate(), misnamed.privateKey(), misnamed.trust()))),
                RaftLeadership.Listener.NONE, command -> {
                    appliedThere.incrementAndGet();
                    return command;
                })) {
            await().atMost(Duration.ofSeconds(20)).until(alone::isLeader);
            Certificates.Issued caller = group.issue("caller");
            Parameters tls = GrpcFactory.newRaftParameters(new RaftLeadership.Tls(caller.certificate(),
                    caller.privateKey(), caller.trust()).config());

            assertThatThrownBy(() -> send(tls, RaftLeadership.clientId("t9"), "misnamed", Map.of("t9", address), "t9"))
                    .as("a server whose certificate names elsewhere.example, dialled at 127.0.0.1")
                    .isInstanceOf(IOException.class);
            assertThat(appliedThere.get()).isZero();
        }
    }

    /** Sends one command to the group's leader with no retries, as {@code client}; it throws when refused. */
    private static void send(Parameters parameters, ClientId client) throws IOException {
        send(parameters, client, "tls", addresses, leader().id());
    }

    /** Sends one command to {@code group}'s member {@code leader} with no retries; it throws when refused. */
    private static void send(Parameters parameters, ClientId client, String group, Map<String, HostPort> members,
            String leader) throws IOException {
        try (RaftClient raft = client(parameters, client, group, members, leader)) {
            RaftClientReply reply = raft.io().send(Message.valueOf("forged"));
            if (!reply.isSuccess()) {
                throw new IOException(String.valueOf(reply.getException()), reply.getException());
            }
        }
    }

    /** A client of {@code group} as {@code client}, calling {@code leader}, with no retries. */
    private static RaftClient client(Parameters parameters, ClientId client, String group,
            Map<String, HostPort> members, String leader) {
        RaftProperties properties = new RaftProperties();
        RaftClientConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(3, TimeUnit.SECONDS));
        List<RaftPeer> peers = new ArrayList<>();
        members.forEach((id, address) -> peers.add(RaftPeer.newBuilder().setId(id).setAddress(address.toString())
                .build()));
        return RaftClient.newBuilder().setProperties(properties).setParameters(parameters)
                .setClientId(client).setRaftGroup(RaftGroup.valueOf(RaftLeadership.groupId(group), peers))
                .setLeaderId(RaftPeerId.valueOf(leader)).setRetryPolicy(RetryPolicies.noRetry()).build();
    }
}
