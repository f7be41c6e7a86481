package io.stampede.cluster.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.stampede.cluster.coordinates.Coordinate;
import io.stampede.cluster.membership.Member;
import io.stampede.cluster.membership.MemberState;
import io.stampede.cluster.membership.message.Message;
import io.stampede.cluster.membership.message.Update;
import io.stampede.cluster.net.HostPort;
import io.stampede.model.NodeRole;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DatagramCodecTest {

    private static final byte[] KEY = "a shared secret of 32 characters".getBytes(StandardCharsets.UTF_8);
    private static final Member WORKER = new Member("worker-dc1-1", new HostPort("10.0.0.7", 7946), NodeRole.WORKER, "dc1");
    private static final Member MANAGER = new Member("manager-dc1-1", new HostPort("10.0.0.2", 7946), NodeRole.MANAGER, "dc1");
    private static final Update SENDER = Update.alive(MANAGER, 3);
    private static final List<Update> GOSSIP = List.of(Update.alive(WORKER, 0),
            new Update(WORKER, MemberState.SUSPECT, 4, "manager-dc1-1"), new Update(WORKER, MemberState.LEFT, 5, ""));
    private static final Coordinate COORDINATE = new Coordinate(new double[] {0.5, -0.25, 0, 0, 0, 0, 0, 0.125}, 0.75, 0.001, 0.0001);

    private static List<Message> everyKind() {
        return List.of(new Message.Ping(7, "worker-dc1-1", SENDER, COORDINATE, GOSSIP),
                new Message.Ack(1L << 40, "worker-dc1-1", SENDER, null, GOSSIP),
                new Message.PingReq(9, Update.alive(WORKER, 2), SENDER, List.of()),
                new Message.Nack(10, SENDER, GOSSIP),
                new Message.Sync(true, SENDER, GOSSIP));
    }

    private final DatagramCodec codec = new DatagramCodec("dc1", (byte[]) null, 1400);
    private final ByteBuffer buffer = ByteBuffer.allocate(70_000);

    @Test
    void everyMessageSurvivesTheRoundTrip() {
        for (Message message : everyKind()) {
            DatagramCodec.Decoded decoded = codec.decode(codec.encode(message, buffer));

            assertThat(decoded.dropped()).isNull();
            if (message instanceof Message.Ping ping) {
                Message.Ping back = (Message.Ping) decoded.message();
                assertThat(back.seq()).isEqualTo(ping.seq());
                assertThat(back.gossip()).isEqualTo(ping.gossip());
                assertThat(back.coordinate().vector()).containsExactly(ping.coordinate().vector());
                assertThat(back.coordinate().error()).isEqualTo(0.75);
            } else {
                assertThat(decoded.message()).isEqualTo(message);
            }
        }
    }

    @Test
    void datagramsOfAnotherClusterOrVersionAreDroppedByName() {
        ByteBuffer datagram = new DatagramCodec("dc2", (byte[]) null, 1400).encode(everyKind().get(0), buffer);
        assertThat(codec.decode(datagram).dropped()).isEqualTo(DropReason.OTHER_CLUSTER);

        ByteBuffer future = codec.encode(everyKind().get(0), buffer);
        future.put(2, (byte) (DatagramCodec.VERSION + 1));
        assertThat(codec.decode(future).dropped()).isEqualTo(DropReason.OTHER_VERSION);
    }

    @Test
    void oversizedDatagramsAreDropped() {
        assertThat(codec.decode(ByteBuffer.allocate(1401)).dropped()).isEqualTo(DropReason.OVERSIZED);
    }

    @Test
    void everyTruncationOfEveryMessageIsMalformedAndNeverThrows() {
        for (Message message : everyKind()) {
            ByteBuffer whole = codec.encode(message, buffer);
            byte[] bytes = Arrays.copyOf(whole.array(), whole.limit());
            for (int length = 0; length < bytes.length; length++) {
                DatagramCodec.Decoded decoded = codec.decode(ByteBuffer.wrap(bytes, 0, length));
                assertThat(decoded.dropped()).as("%s cut to %d bytes", message.getClass().getSimpleName(), length)
                        .isEqualTo(DropReason.MALFORMED);
            }
        }
    }

    @Test
    void randomBytesAndFlippedBitsAreDroppedOrDecodedButNeverThrow() {
        SplittableRandom random = new SplittableRandom(1);
        ByteBuffer encoded = codec.encode(everyKind().get(0), buffer);
        byte[] valid = Arrays.copyOf(encoded.array(), encoded.limit());
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes;
            if (i % 2 == 0) {
                bytes = new byte[random.nextInt(3, 1400)];
                random.nextBytes(bytes);
                bytes[0] = 'S';
                bytes[1] = 'W';
                bytes[2] = DatagramCodec.VERSION;
            } else {
                bytes = valid.clone();
                bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
            }
            DatagramCodec.Decoded decoded = codec.decode(ByteBuffer.wrap(bytes));
            assertThat(decoded.message() != null ^ decoded.dropped() != null).isTrue();
        }
    }

    @Test
    void withAKeyOnlyDatagramsSignedWithThatKeyAreAccepted() {
        DatagramCodec signed = new DatagramCodec("dc1", KEY, 1400);
        Message message = everyKind().get(3);

        assertThat(signed.decode(signed.encode(message, buffer)).message()).isEqualTo(message);
        assertThat(signed.decode(codec.encode(message, buffer)).dropped()).isEqualTo(DropReason.UNSIGNED);
        byte[] otherKey = "another secret, also 32 chars ok".getBytes(StandardCharsets.UTF_8);
        assertThat(signed.decode(new DatagramCodec("dc1", otherKey, 1400).encode(message, buffer)).dropped())
                .isEqualTo(DropReason.BAD_SIGNATURE);
        ByteBuffer tampered = signed.encode(message, buffer);
        tampered.put(12, (byte) (tampered.get(12) ^ 1));
        assertThat(signed.decode(tampered).dropped()).isEqualTo(DropReason.BAD_SIGNATURE);
    }

    @Test
    void aSignedDatagramIsTakenOnceWithinTheWindowAndUnderEitherKeyOfARollover() {
        long[] now = {1_790_000_000_000L};
        byte[] next = "the next key of the rollover, 32".getBytes(StandardCharsets.UTF_8);
        DatagramCodec sender = new DatagramCodec("dc1", new DatagramCodec.Signing(next, KEY, () -> now[0],
                new SplittableRandom(3), java.time.Duration.ofSeconds(30)), 1400);
        DatagramCodec receiver = new DatagramCodec("dc1", new DatagramCodec.Signing(KEY, next, () -> now[0],
                new SplittableRandom(4), java.time.Duration.ofSeconds(30)), 1400);
        Message message = everyKind().get(3);

        byte[] first = copy(sender.encode(message, buffer));
        assertThat(receiver.decode(ByteBuffer.wrap(first)).message()).isEqualTo(message);
        assertThat(receiver.decode(ByteBuffer.wrap(first)).dropped()).isEqualTo(DropReason.REPLAYED);
        byte[] later = copy(sender.encode(message, buffer));
        now[0] += 30_001;
        assertThat(receiver.decode(ByteBuffer.wrap(later)).dropped()).isEqualTo(DropReason.STALE);
        // Only the key that signs, with no second one: a datagram under the other key is refused.
        DatagramCodec strict = new DatagramCodec("dc1", new DatagramCodec.Signing(KEY, null, () -> now[0],
                new SplittableRandom(5), java.time.Duration.ofSeconds(30)), 1400);
        assertThat(strict.decode(sender.encode(message, buffer)).dropped()).isEqualTo(DropReason.BAD_SIGNATURE);
    }

    private static byte[] copy(ByteBuffer datagram) {
        return Arrays.copyOf(datagram.array(), datagram.limit());
    }
}
