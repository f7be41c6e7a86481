package io.stampede.cluster.overload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import io.stampede.model.load.Priority;

class InFlightTest {

    @Test
    void eachPriorityHasItsOwnSlotsAndAllShareTheTotal() {
        InFlight inFlight = new InFlight(new InFlight.Limits(5, 3, 2, 1));
        assertThat(inFlight.tryAcquire(Priority.LOW)).isTrue();
        assertThat(inFlight.tryAcquire(Priority.LOW)).as("LOW has 1 slot").isFalse();
        assertThat(inFlight.tryAcquire(Priority.NORMAL)).isTrue();
        assertThat(inFlight.tryAcquire(Priority.NORMAL)).isTrue();
        assertThat(inFlight.tryAcquire(Priority.NORMAL)).as("NORMAL has 2").isFalse();
        assertThat(inFlight.tryAcquire(Priority.HIGH)).isTrue();
        assertThat(inFlight.tryAcquire(Priority.HIGH)).isTrue();
        assertThat(inFlight.tryAcquire(Priority.HIGH)).as("the total of 5 is reached").isFalse();
        inFlight.release(Priority.LOW);
        assertThat(inFlight.tryAcquire(Priority.HIGH)).isTrue();
        assertThat(inFlight.taken(Priority.HIGH)).isEqualTo(3);
    }

    @Test
    void criticalWorkIsNeverTurnedAwayNorCountedInTheTotal() {
        InFlight inFlight = new InFlight(new InFlight.Limits(1, 1, 1, 1));
        assertThat(inFlight.tryAcquire(Priority.HIGH)).isTrue();
        for (int i = 0; i < 10_000; i++) {
            assertThat(inFlight.tryAcquire(Priority.CRITICAL)).isTrue();
        }
        assertThat(inFlight.taken(Priority.CRITICAL)).isEqualTo(10_000);
        inFlight.release(Priority.HIGH);
        assertThat(inFlight.tryAcquire(Priority.NORMAL)).isTrue();
    }

    @Test
    void aReleaseWithoutAnAcquireIsABug() {
        InFlight inFlight = new InFlight(InFlight.Limits.GATE);
        assertThatThrownBy(() -> inFlight.release(Priority.NORMAL)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theGateHasTheReferenceLimits() {
        assertThat(InFlight.Limits.GATE).isEqualTo(new InFlight.Limits(2_000, 1_000, 600, 400));
    }
}
