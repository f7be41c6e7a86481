package io.stampede.cluster.membership;

import java.time.Duration;

/**
 * Lifeguard's dynamic suspicion timeout. A suspicion starts at the ceiling and shrinks towards the
 * floor as independent members confirm it:
 * {@code timeout = max(floor, ceiling − (ceiling − floor) · log(C + 1) / log(K + 1))}, where C is
 * the confirmations so far and K the confirmations expected (capped by the members who could
 * confirm). Stampede uses the reference design's bounds: a ceiling of 8 s and a floor of 1.5 s.
 * Pure: a suspicion's deadline is its start plus {@link #timeout}.
 */
public final class Suspicion {

    /** The timeout with no confirmation. */
    public static final Duration CEILING = Duration.ofMillis(8_000);
    /** The timeout once enough members have confirmed. */
    public static final Duration FLOOR = Duration.ofMillis(1_500);
    /** Confirmations that bring the timeout down to the floor, at most. */
    public static final int EXPECTED_CONFIRMATIONS = 3;

    private Suspicion() {
    }

    /**
     * The timeout of a suspicion with {@code confirmations} independent confirmations, in a
     * cluster where {@code others} members (besides the suspect and this node) could confirm.
     */
    public static Duration timeout(int confirmations, int others, Duration floor, Duration ceiling) {
        int expected = Math.min(EXPECTED_CONFIRMATIONS, Math.max(0, others));
        if (expected == 0) {
            return floor;
        }
        double fraction = Math.log(Math.min(confirmations, expected) + 1.0) / Math.log(expected + 1.0);
        long millis = Math.round(ceiling.toMillis() - (ceiling.toMillis() - floor.toMillis()) * fraction);
        return Duration.ofMillis(Math.max(floor.toMillis(), millis));
    }

    /** {@link #timeout(int, int, Duration, Duration)} with Stampede's bounds. */
    public static Duration timeout(int confirmations, int others) {
        return timeout(confirmations, others, FLOOR, CEILING);
    }
}
