package io.stampede.cluster.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stampede.cluster.membership.MemberState;
import io.stampede.cluster.membership.MemberView;
import io.stampede.cluster.membership.SwimConfig;
import io.stampede.cluster.net.HostPort;
import io.stampede.local.FreePorts;
import io.stampede.local.Processes;
import io.stampede.model.NodeRole;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Five members on real loopback sockets: four in this JVM and one in a child process that is
 * killed with SIGKILL and started again. The scenarios share the cluster and run in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UdpMembershipTest {

    private static final String CLUSTER = "test-" + UUID.randomUUID().toString().substring(0, 8);
    private static final String CHILD = "child";
    private static final List<UdpMembership> MEMBERS = new ArrayList<>();
    private static int childPort;
    private static Process child;

    @BeforeAll
    static void startCluster() throws IOException {
        for (int i = 0; i < 4; i++) {
            List<HostPort> seeds = i == 0 ? List.of() : List.of(MEMBERS.get(0).self().address());
            MEMBERS.add(UdpMembership.start(new UdpMembership.Settings("local-" + i, NodeRole.MANAGER, "dc1",
                    "127.0.0.1", "127.0.0.1", 0, CLUSTER, null, seeds, SwimConfig.defaults()),
                    () -> System.nanoTime() / 1_000_000, new SplittableRandom(i)));
        }
        childPort = FreePorts.udp();
        startChild();
    }

    @AfterAll
    static void stopCluster() {
        if (child != null) {
            Processes.stop(child.toHandle(), Duration.ofSeconds(5));
        }
        MEMBERS.forEach(UdpMembership::close);
    }

    private static void startChild() throws IOException {
        child = new ProcessBuilder(Processes.javaExecutable(), "-cp", System.getProperty("java.class.path"),
                MembershipChild.class.getName(), CHILD, String.valueOf(childPort), CLUSTER,
                MEMBERS.get(0).self().address().toString())
                .redirectErrorStream(true).start();
        BufferedReader output = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        String line = output.readLine();
        assertThat(line).as("the child member starts").startsWith("ready");
        Thread drain = new Thread(() -> output.lines().forEach(ignored -> { }), "child-output");
        drain.setDaemon(true);
        drain.start();
    }

    private static MemberState stateOf(UdpMembership observer, String id) {
        return observer.member(id).map(MemberView::state).orElse(null);
    }

    private static boolean everyoneSees(String id, MemberState state) {
        return MEMBERS.stream().filter(member -> !member.self().id().equals(id))
                .allMatch(member -> stateOf(member, id) == state);
    }

    @Test
    @Order(1)
    void fiveMembersOnLoopbackConverge() {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            for (UdpMembership member : MEMBERS) {
                assertThat(member.members()).as("%s's view", member.self().id()).hasSize(5)
                        .allMatch(view -> view.state() == MemberState.ALIVE);
            }
        });
    }

    @Test
    @Order(2)
    void garbageDatagramsAreCountedAndIgnored() throws IOException {
        UdpMembership target = MEMBERS.get(1);
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", target.self().address().port());
        try (DatagramSocket socket = new DatagramSocket()) {
            byte[] noise = new byte[300];
            new SplittableRandom(5).nextBytes(noise);
            socket.send(new DatagramPacket(noise, noise.length, address));
            socket.send(new DatagramPacket(new byte[2_000], 2_000, address));
            ByteBuffer foreign = new DatagramCodec("another-cluster", (byte[]) null, 1400).encode(
                    new io.stampede.cluster.membership.message.Message.Nack(1,
                            io.stampede.cluster.membership.message.Update.alive(
                                    new io.stampede.cluster.membership.Member("stranger",
                                            new HostPort("127.0.0.1", 9), NodeRole.MANAGER, "dc9"), 0),
                            List.of()), ByteBuffer.allocate(2_000));
            socket.send(new DatagramPacket(foreign.array(), foreign.limit(), address));
        }

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(target.dropped(DropReason.MALFORMED)).isEqualTo(1);
            assertThat(target.dropped(DropReason.OVERSIZED)).isEqualTo(1);
            assertThat(target.dropped(DropReason.OTHER_CLUSTER)).isEqualTo(1);
        });
        assertThat(target.member("stranger")).isEmpty();
        assertThat(target.members()).hasSize(5).allMatch(view -> view.state() == MemberState.ALIVE);
    }

    @Test
    @Order(3)
    void aKilledMemberIsDeclaredDeadWithinTheBoundAndRejoinsWithAHigherIncarnation() throws IOException {
        long incarnation = MEMBERS.get(0).member(CHILD).orElseThrow().incarnation();
        long killedAt = System.nanoTime();
        child.destroyForcibly();
        assertThat(Processes.awaitExit(child.toHandle(), Duration.ofSeconds(10))).isTrue();

        // n = 5: 4 periods until probed, 1 to fail, 8 s unconfirmed suspicion, 1 last check, 3 to spread.
        Duration bound = Duration.ofSeconds(4 + 1 + 8 + 1 + 3);
        await().atMost(bound).pollInterval(Duration.ofMillis(50)).until(() -> everyoneSees(CHILD, MemberState.DEAD));
        System.out.printf("Real sockets: a member killed with SIGKILL was declared DEAD by all four others after %.1f s"
                + " (bound %d s)%n", (System.nanoTime() - killedAt) / 1e9, bound.toSeconds());

        startChild();
        await().atMost(Duration.ofSeconds(30)).until(() -> everyoneSees(CHILD, MemberState.ALIVE));
        for (UdpMembership member : MEMBERS) {
            assertThat(member.member(CHILD).orElseThrow().incarnation()).isGreaterThan(incarnation);
        }
    }

    @Test
    @Order(4)
    void aMemberThatClosesLeavesGracefully() {
        UdpMembership leaving = MEMBERS.remove(3);
        leaving.close();

        await().atMost(Duration.ofSeconds(5)).until(() -> everyoneSees(leaving.self().id(), MemberState.LEFT));
    }
}
