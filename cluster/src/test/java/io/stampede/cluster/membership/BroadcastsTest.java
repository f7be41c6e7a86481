package io.stampede.cluster.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.stampede.cluster.membership.message.Update;
import io.stampede.cluster.membership.message.Wire;
import io.stampede.cluster.net.HostPort;
import io.stampede.model.NodeRole;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BroadcastsTest {

    private static Update alive(String id, long incarnation) {
        return Update.alive(new Member(id, new HostPort("10.0.0.1", 7946), NodeRole.WORKER, "dc1"), incarnation);
    }

    @Test
    void eachClaimIsSentLambdaTimesTheCeilingOfLog10OfTheClusterSize() {
        Broadcasts broadcasts = new Broadcasts(3);

        assertThat(broadcasts.limit(9)).isEqualTo(3);
        assertThat(broadcasts.limit(50)).isEqualTo(6);
        assertThat(broadcasts.limit(200)).isEqualTo(9);

        broadcasts.add(alive("a", 0));
        int sends = 0;
        while (!broadcasts.take(1_000, 50, "").isEmpty()) {
            sends++;
        }
        assertThat(sends).isEqualTo(6);
    }

    @Test
    void leastSentAndThenFreshestGoFirst() {
        Broadcasts broadcasts = new Broadcasts(3);
        broadcasts.add(alive("old", 0));
        broadcasts.take(1_000, 50, "");
        broadcasts.add(alive("a", 0));
        broadcasts.add(alive("b", 0));

        List<Update> taken = broadcasts.take(1_000, 50, "");

        assertThat(taken).extracting(Update::id).containsExactly("b", "a", "old");
    }

    @Test
    void aNewerClaimReplacesTheQueuedOneAboutTheSameMember() {
        Broadcasts broadcasts = new Broadcasts(3);
        broadcasts.add(alive("a", 0));
        broadcasts.add(alive("a", 1));

        assertThat(broadcasts.take(1_000, 50, "")).containsExactly(alive("a", 1));
    }

    @Test
    void onlyWhatFitsTheRoomIsTakenAndTheRestWaits() {
        Broadcasts broadcasts = new Broadcasts(3);
        List<Update> all = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            all.add(alive("member-" + i, i));
            broadcasts.add(all.get(i));
        }
        int room = 1_000;

        List<Update> taken = broadcasts.take(room, 100, "");

        assertThat(taken.stream().mapToInt(Wire::sizeOf).sum()).isLessThanOrEqualTo(room);
        assertThat(taken.size()).isBetween(10, 99);
        assertThat(broadcasts.size()).isEqualTo(100);
    }

    @Test
    void theReceiverIsNotToldThatItIsAlive() {
        Broadcasts broadcasts = new Broadcasts(3);
        broadcasts.add(alive("receiver", 0));

        assertThat(broadcasts.take(1_000, 10, "receiver")).isEmpty();
        assertThat(broadcasts.take(1_000, 10, "someone-else")).hasSize(1);
    }
}
