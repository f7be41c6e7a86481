package io.stampede.cluster.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stampede.cluster.membership.Member;
import io.stampede.cluster.membership.MemberState;
import io.stampede.cluster.membership.SwimConfig;
import io.stampede.cluster.membership.message.Message;
import io.stampede.cluster.membership.message.Update;
import io.stampede.cluster.net.HostPort;
import io.stampede.model.NodeRole;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three members on real loopback sockets, signing with a shared key, and an attacker on the same
 * network: forged, replayed and stale datagrams that would declare a member DEAD are refused and
 * counted, and the member stays ALIVE.
 */
class SignedMembershipTest {

    private static final String CLUSTER = "signed-" + UUID.randomUUID().toString().substring(0, 8);
    private static final byte[] KEY = "the cluster's key, 32 bytes long".getBytes(StandardCharsets.UTF_8);
    private static final byte[] NEXT_KEY = "the next key, rolled out by hand".getBytes(StandardCharsets.UTF_8);
    private static final List<UdpMembership> MEMBERS = new ArrayList<>();

    @BeforeAll
    static void startCluster() {
        for (int i = 0; i < 3; i++) {
            List<HostPort> seeds = i == 0 ? List.of() : List.of(MEMBERS.get(0).self().address());
            // The last member is mid-rollover: it signs with the next key and still accepts the old one.
            byte[] key = i == 2 ? NEXT_KEY : KEY;
            byte[] secondary = i == 2 ? KEY : NEXT_KEY;
            MEMBERS.add(UdpMembership.start(new UdpMembership.Settings("m-" + i, NodeRole.MANAGER, "dc1",
                    "127.0.0.1", "127.0.0.1", 0, CLUSTER, key, seeds, SwimConfig.defaults(), secondary),
                    () -> System.nanoTime() / 1_000_000, new SplittableRandom(i)));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> MEMBERS.stream().allMatch(member -> member.members().size() == 3
                && member.members().stream().allMatch(view -> view.state() == MemberState.ALIVE)));
    }

    @AfterAll
    static void stopCluster() {
        MEMBERS.forEach(UdpMembership::close);
    }

    /** A gossip that m-1 is DEAD, as a member would send it to m-0. */
    private static byte[] deathOfM1(DatagramCodec codec) {
        Member victim = new Member("m-1", MEMBERS.get(1).self().address(), NodeRole.MANAGER, "dc1");
        Member sender = new Member("m-2", MEMBERS.get(2).self().address(), NodeRole.MANAGER, "dc1");
        Message message = new Message.Sync(false, Update.alive(sender, 0),
                List.of(new Update(victim, MemberState.DEAD, 1_000, "m-2")));
        ByteBuffer datagram = codec.encode(message, ByteBuffer.allocate(4_000));
        return Arrays.copyOf(datagram.array(), datagram.limit());
    }

    @Test
    void forgedReplayedAndStaleDatagramsAreRefusedCountedAndChangeNothing() throws IOException {
        UdpMembership target = MEMBERS.get(0);
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", target.self().address().port());
        // Each would declare m-1 DEAD: signed with a guessed key, unsigned, and signed with the real
        // key but stamped a minute ago (a capture replayed late).
        long[] clock = {System.currentTimeMillis() - 60_000};
        byte[] stale = deathOfM1(new DatagramCodec(CLUSTER, new DatagramCodec.Signing(KEY, null, () -> clock[0],
                new SplittableRandom(1), DatagramCodec.FRESHNESS), 1400));
        byte[] forged = deathOfM1(new DatagramCodec(CLUSTER, "a guess at the key, 32 bytes too".getBytes(
                StandardCharsets.UTF_8), 1400));
        byte[] unsigned = deathOfM1(new DatagramCodec(CLUSTER, (byte[]) null, 1400));
        long before = target.dropped(DropReason.REPLAYED);
        // A capture of a fresh datagram, sent three times: the first is taken, the copies are replays.
        // (It says m-1 is ALIVE, which changes nothing when taken.)
        Member m1 = new Member("m-1", MEMBERS.get(1).self().address(), NodeRole.MANAGER, "dc1");
        ByteBuffer fresh = new DatagramCodec(CLUSTER, KEY, 1400).encode(new Message.Sync(false, Update.alive(m1,
                0), List.of()), ByteBuffer.allocate(4_000));
        byte[] captured = Arrays.copyOf(fresh.array(), fresh.limit());
        try (DatagramSocket attacker = new DatagramSocket()) {
            for (byte[] datagram : List.of(forged, unsigned, stale, captured, captured, captured)) {
                attacker.send(new DatagramPacket(datagram, datagram.length, address));
            }
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(target.dropped(DropReason.BAD_SIGNATURE)).isGreaterThanOrEqualTo(1);
            assertThat(target.dropped(DropReason.UNSIGNED)).isGreaterThanOrEqualTo(1);
            assertThat(target.dropped(DropReason.STALE)).isGreaterThanOrEqualTo(1);
            assertThat(target.dropped(DropReason.REPLAYED) - before).isEqualTo(2);
        });
        assertThat(target.member("m-1").orElseThrow().state()).isEqualTo(MemberState.ALIVE);
        // Members signing with either key of the rollover keep one another alive throughout.
        assertThat(MEMBERS).allSatisfy(member -> assertThat(member.members()).hasSize(3)
                .allMatch(view -> view.state() == MemberState.ALIVE));
        assertThat(MEMBERS.get(2).dropped(DropReason.BAD_SIGNATURE)).isZero();
    }
}
