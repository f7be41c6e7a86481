package io.stampede.gate.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import io.stampede.model.load.Backpressure;
import io.stampede.model.load.LoadState;
import io.stampede.model.wire.Payload;

class DatacentersTest {

    private final Datacenters datacenters = new Datacenters(new SplittableRandom(1));

    private static Payload.DatacenterStatus status(String dc, int managersAlive, int managersTotal, int workers,
            String probeAddress) {
        return new Payload.DatacenterStatus(dc, "manager-" + dc, workers, 4 * workers, 4 * workers, 0,
                LoadState.HEALTHY, Backpressure.NONE, probeAddress, workers, managersAlive, managersTotal, -1L);
    }

    private static Datacenters.Report answer(String dc) {
        return new Datacenters.Report(dc, "manager-" + dc, "manager-" + dc, 3, "127.0.0.1:9", 3, 3, 2, 2, 8, 8, 0,
                LoadState.HEALTHY, 0);
    }

    private Datacenters.View view(String dc, long now) {
        return datacenters.all(now).stream().filter(view -> view.name().equals(dc)).findFirst().orElseThrow();
    }

    @Test
    void anExpectedDatacenterAwaitsThenInitializesThenIsReadyForGood() {
        datacenters.expect(List.of("dc1"));
        assertThat(view("dc1", 0).registration()).isEqualTo(Registration.AWAITING);
        assertThat(view("dc1", 0).healthy()).isFalse();
        datacenters.heard(status("dc1", 1, 3, 2, ""), 1, 0);
        assertThat(view("dc1", 0).registration()).isEqualTo(Registration.INITIALIZING);
        datacenters.heard(status("dc1", 2, 3, 2, ""), 1, 1_000);
        assertThat(view("dc1", 1_000).registration()).isEqualTo(Registration.READY);
        datacenters.heard(status("dc1", 1, 3, 2, ""), 1, 2_000);
        Datacenters.View later = view("dc1", 2_000);
        assertThat(later.registration()).isEqualTo(Registration.READY);
        assertThat(later.bucket()).as("a minority of managers").isEqualTo(Bucket.DEGRADED);
    }

    @Test
    void aDatacenterWithoutAProbeAddressIsJudgedByItsStatusRecords() {
        datacenters.heard(status("dc1", 1, 1, 1, ""), 1, 0);
        assertThat(view("dc1", 0).reachability()).isEqualTo(Reachability.NOT_PROBED);
        assertThat(view("dc1", 0).bucket()).isEqualTo(Bucket.HEALTHY);
        assertThat(view("dc1", 6_001).bucket()).isEqualTo(Bucket.DEGRADED);
        assertThat(view("dc1", 30_001).bucket()).isEqualTo(Bucket.UNHEALTHY);
        assertThat(datacenters.probeTargets()).isEmpty();
    }

    @Test
    void probesDecideReachabilityOnceTheManagerAnnouncesWhereToProbe() {
        datacenters.heard(status("dc1", 1, 1, 1, "127.0.0.1:9"), 1, 0);
        assertThat(datacenters.probeTargets()).containsEntry("dc1", "127.0.0.1:9");
        assertThat(view("dc1", 0).reachability()).isEqualTo(Reachability.PROBING);
        assertThat(view("dc1", 0).bucket()).as("by its status until probes tell").isEqualTo(Bucket.HEALTHY);
        datacenters.answered(answer("dc1"), 2.0, 1_000);
        assertThat(view("dc1", 1_000).reachability()).isEqualTo(Reachability.REACHABLE);
        assertThat(view("dc1", 1_000).managersTotal()).isEqualTo(3);
        for (int i = 1; i <= 5; i++) {
            datacenters.probeFailed("dc1", "deadline", 1_000 + i * 2_000L);
        }
        assertThat(view("dc1", 11_000).reachability()).isEqualTo(Reachability.SUSPECTED);
        assertThat(view("dc1", 11_000).bucket()).isEqualTo(Bucket.DEGRADED);
        assertThat(view("dc1", 11_000).why()).isEqualTo("its last 5 probes failed (last: deadline)");
        assertThat(view("dc1", 41_000).reachability()).isEqualTo(Reachability.UNREACHABLE);
        assertThat(view("dc1", 41_000).bucket()).isEqualTo(Bucket.UNHEALTHY);
        assertThat(view("dc1", 41_000).healthy()).isFalse();
    }

    @Test
    void aFollowersAnswerPointsTheNextProbeAtItsLeader() {
        datacenters.heard(status("dc1", 1, 1, 1, "127.0.0.1:9"), 1, 0);
        datacenters.answered(new Datacenters.Report("dc1", "manager-b", "manager-a", 4, "127.0.0.1:7", 2, 3, 2, 2, 8, 8,
                0, LoadState.HEALTHY, 0), 1.0, 100);
        assertThat(datacenters.probeTargets()).containsEntry("dc1", "127.0.0.1:7");
        assertThat(view("dc1", 100).leader()).isEqualTo("manager-a");
    }

    @Test
    void theTimeFromDispatchToFirstProgressIsALatencySample() {
        datacenters.heard(status("dc1", 1, 1, 1, ""), 1, 0);
        datacenters.dispatched("dc1", "job-1", 1_000);
        datacenters.progressed("dc1", "job-1", 1_400);
        datacenters.progressed("dc1", "job-1", 2_400);
        Datacenters.View view = view("dc1", 2_400);
        assertThat(view.observedSamples()).as("only the first progress counts").isEqualTo(1);
        assertThat(view.observedMillis()).isEqualTo(400);
        assertThat(view.observedConfidence()).isGreaterThan(0);
    }

    @Test
    void aFailedDispatchCoolsTheDatacenterDownForAMinute() {
        datacenters.heard(status("dc1", 1, 1, 1, ""), 1, 0);
        double before = view("dc1", 0).score();
        datacenters.dispatchFailed("dc1", 0);
        assertThat(view("dc1", 0).coolingDown()).isTrue();
        assertThat(view("dc1", 0).score()).isEqualTo(before * Router.COOLDOWN_PENALTY);
        datacenters.heard(status("dc1", 1, 1, 1, ""), 1, 60_000);
        assertThat(view("dc1", 60_000).coolingDown()).isFalse();
    }

    @Test
    void pendingDispatchesAreBounded() {
        for (int i = 0; i < Datacenters.MAX_PENDING_DISPATCHES + 100; i++) {
            datacenters.dispatched("dc1", "job-" + i, i);
        }
        datacenters.progressed("dc1", "job-0", 20_000);
        datacenters.heard(status("dc1", 1, 1, 1, ""), 1, 20_000);
        assertThat(view("dc1", 20_000).observedSamples()).as("the oldest was forgotten").isZero();
        datacenters.progressed("dc1", "job-" + (Datacenters.MAX_PENDING_DISPATCHES + 99), 20_000);
        assertThat(view("dc1", 20_000).observedSamples()).isEqualTo(1);
    }
}
