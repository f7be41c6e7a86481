package io.stampede.manager.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.stampede.manager.dispatch.WorkerRegistry.Heard;
import io.stampede.model.load.LoadState;
import io.stampede.model.load.Progress;
import io.stampede.testkit.ManualClock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkerRegistryTest {

    private static final long STARTED = 1_700_000_000_000L;
    private static final Duration SILENCE = Duration.ofSeconds(10);

    private final ManualClock clock = new ManualClock();
    private final WorkerRegistry registry = new WorkerRegistry(clock);

    @Test
    void aWorkerIsLiveOnlyOnceMembershipHasItUpAndItsCapacityIsKnown() {
        assertThat(registry.heard("worker-a", 4, 1, "1", STARTED)).as("capacity alone").isEqualTo(Heard.NOTHING_NEW);
        assertThat(registry.up("worker-a")).as("then membership").isTrue();
        assertThat(registry.up("worker-b")).as("membership alone").isFalse();
        assertThat(registry.heard("worker-b", 2, 2, "1", STARTED)).as("then capacity").isEqualTo(Heard.LIVE);
        assertThat(registry.heard("worker-a", 4, 3, "1", STARTED)).as("a capacity update").isEqualTo(Heard.NOTHING_NEW);

        assertThat(registry.live()).extracting(WorkerRegistry.Worker::id).containsExactly("worker-a", "worker-b");
        assertThat(registry.live()).extracting(WorkerRegistry.Worker::freeCores).containsExactly(3, 2);
        assertThat(registry.live()).extracting(WorkerRegistry.Worker::startedAtMillis).containsOnly(STARTED);
    }

    @Test
    void aWorkerMembershipDeclaresGoneIsNoLongerLiveWhateverItsLastHeartbeat() {
        registry.up("worker-a");
        registry.heard("worker-a", 4, 4, "1", STARTED);

        assertThat(registry.down("worker-a")).as("it was live: its shares have failed").isTrue();
        assertThat(registry.live()).isEmpty();
        assertThat(registry.down("worker-a")).as("a second verdict changes nothing").isFalse();

        registry.heard("worker-a", 4, 4, "1", STARTED);
        assertThat(registry.isLive("worker-a")).as("a late heartbeat does not revive it").isFalse();
        assertThat(registry.up("worker-a")).as("membership does, once it rejoins").isTrue();
    }

    @Test
    void aHeartbeatFromANewProcessUnderTheSameIdIsARestartAndAnOlderProcessIsIgnored() {
        registry.up("worker-a");
        registry.heard("worker-a", 4, 4, "1", STARTED);

        assertThat(registry.heard("worker-a", 4, 4, "1", STARTED + 5_000)).isEqualTo(Heard.RESTARTED);
        assertThat(registry.live()).extracting(WorkerRegistry.Worker::startedAtMillis).containsExactly(STARTED + 5_000);
        assertThat(registry.heard("worker-a", 4, 4, "1", STARTED + 5_000)).isEqualTo(Heard.NOTHING_NEW);
        assertThat(registry.heard("worker-a", 4, 0, "1", STARTED)).as("the earlier process, late")
                .isEqualTo(Heard.NOTHING_NEW);
        assertThat(registry.live()).extracting(WorkerRegistry.Worker::freeCores).containsExactly(4);
    }

    @Test
    void aRestartWhileNotLiveIsNotARestartOfAnythingRunning() {
        registry.heard("worker-a", 4, 4, "1", STARTED);
        assertThat(registry.heard("worker-a", 4, 4, "1", STARTED + 1)).isEqualTo(Heard.NOTHING_NEW);
        assertThat(registry.up("worker-a")).isTrue();
    }

    @Test
    void aLiveWorkerSilentForLongerThanTheLimitIsSilencedOnceAndItsNextHeartbeatRevivesIt() {
        registry.up("worker-a");
        registry.up("worker-b");
        registry.heard("worker-a", 4, 4, "1", STARTED);
        registry.heard("worker-b", 4, 4, "1", STARTED);

        for (int second = 1; second <= 10; second++) {
            clock.advance(Duration.ofSeconds(1));
            registry.heard("worker-b", 4, 4, "1", STARTED);
            assertThat(registry.silence(SILENCE)).as("at %d s: not past the limit", second).isEmpty();
        }

        clock.advance(Duration.ofMillis(1));
        assertThat(registry.silence(SILENCE)).containsExactly("worker-a");
        assertThat(registry.live()).extracting(WorkerRegistry.Worker::id).containsExactly("worker-b");
        assertThat(registry.silence(SILENCE)).as("once").isEmpty();

        assertThat(registry.heard("worker-a", 4, 4, "1", STARTED)).isEqualTo(Heard.LIVE);
        assertThat(registry.live()).extracting(WorkerRegistry.Worker::id).containsExactly("worker-a", "worker-b");
    }

    @Test
    void whenNoHeartbeatAtAllArrivesTheManagerJudgesNobody() {
        registry.up("worker-a");
        registry.up("worker-b");
        registry.heard("worker-a", 4, 4, "1", STARTED);
        registry.heard("worker-b", 4, 4, "1", STARTED);

        // Its own consumer stalled: nothing from anyone for twice the limit.
        clock.advance(SILENCE.multipliedBy(2));

        assertThat(registry.silence(SILENCE)).isEmpty();
        assertThat(registry.live()).hasSize(2);
    }

    @Test
    void whileTheManagerItselfStallsItsWorkersSilenceDoesNotCount() {
        registry.up("worker-a");
        registry.up("worker-b");
        registry.heard("worker-a", 4, 4, "1", STARTED);
        registry.heard("worker-b", 4, 4, "1", STARTED);
        registry.silence(SILENCE);

        // Nine seconds holding its lock over a large job; worker-b's heartbeat is read first when it lets go.
        clock.advance(Duration.ofSeconds(9));
        registry.heard("worker-b", 4, 4, "1", STARTED);
        clock.advance(Duration.ofSeconds(2));

        assertThat(registry.silence(SILENCE)).as("11 s since worker-a was read, 9 of them stalled").isEmpty();
        assertThat(registry.live()).hasSize(2);
    }

    @Test
    void whenMostWorkersFallSilentAtOnceEvictionIsHeldAndMembershipDecides() {
        for (String worker : List.of("worker-a", "worker-b", "worker-c")) {
            registry.up(worker);
            registry.heard(worker, 2, 2, "1", STARTED);
        }
        for (int second = 1; second <= 11; second++) {
            clock.advance(Duration.ofSeconds(1));
            registry.heard("worker-c", 2, 2, "1", STARTED);
            registry.silence(SILENCE);
        }
        // Two of three silent past the limit: held.
        assertThat(registry.silence(SILENCE)).isEmpty();
        assertThat(registry.silenceHeld()).isTrue();
        assertThat(registry.live()).hasSize(3);
        // Membership's verdict still counts.
        assertThat(registry.down("worker-a")).isTrue();
        // One silent of two is not most: silenced.
        assertThat(registry.silence(SILENCE)).containsExactly("worker-b");
        assertThat(registry.silenceHeld()).isFalse();
    }

    @Test
    void aHoldLastsAtMostThreeLimits() {
        for (String worker : List.of("worker-a", "worker-b", "worker-c")) {
            registry.up(worker);
            registry.heard(worker, 2, 2, "1", STARTED);
        }
        List<String> silenced = List.of();
        int second = 0;
        while (silenced.isEmpty() && second < 120) {
            clock.advance(Duration.ofSeconds(1));
            second++;
            registry.heard("worker-c", 2, 2, "1", STARTED);
            silenced = registry.silence(SILENCE);
        }
        // Silent from 0 s, past the limit at 11 s, held for 30 s.
        assertThat(second).isEqualTo(41);
        assertThat(silenced).containsExactly("worker-a", "worker-b");
    }

    @Test
    void anOverloadedWorkerIsLiveButTakesNoNewSharesUnlessAllAre() {
        registry.up("worker-a");
        registry.up("worker-b");
        registry.heard("worker-a", 2, 2, "1", STARTED, LoadState.OVERLOADED, Progress.NORMAL);
        registry.heard("worker-b", 2, 2, "1", STARTED, LoadState.STRESSED, Progress.STUCK);

        assertThat(registry.live()).hasSize(2);
        assertThat(registry.forNewShares()).extracting(WorkerRegistry.Worker::id).containsExactly("worker-b");
        assertThat(registry.takingNewShares()).hasSize(1);
        registry.heard("worker-b", 2, 2, "1", STARTED, LoadState.OVERLOADED, Progress.STUCK);
        assertThat(registry.takingNewShares()).isEmpty();
        assertThat(registry.forNewShares()).as("all overloaded: all, rather than none")
                .extracting(WorkerRegistry.Worker::id).containsExactly("worker-a", "worker-b");
    }
}
