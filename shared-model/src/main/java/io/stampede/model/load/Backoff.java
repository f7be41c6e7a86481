package io.stampede.model.load;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * How long to wait before a retry: full jitter, {@code U(0, min(cap, base · 2^n))} for the n-th
 * retry (from 0), and never less than what the server asked for ({@code Retry-After}). At most
 * {@code retries} retries. Pure: the randomness comes in.
 *
 * @param retries how many retries after the first attempt
 * @param base    the first retry's longest wait
 * @param cap     no wait is longer, whatever n is (a server's Retry-After may still be longer)
 */
public record Backoff(int retries, Duration base, Duration cap) {

    /** AD-21: 3 retries, base 0.5 s, cap 30 s. */
    public static final Backoff DEFAULT = new Backoff(3, Duration.ofMillis(500), Duration.ofSeconds(30));

    public Backoff {
        if (retries < 0 || base.isNegative() || cap.compareTo(base) < 0) {
            throw new IllegalArgumentException("a backoff needs 0 or more retries and 0 <= base <= cap");
        }
    }

    /**
     * The wait before retry {@code n} (0 for the first retry).
     *
     * @param retryAfter what the server asked for, or {@link Duration#ZERO}
     */
    public Duration delay(int n, Duration retryAfter, RandomGenerator random) {
        long ceiling = ceilingMillis(n);
        long jitter = ceiling == 0 ? 0 : random.nextLong(ceiling + 1);
        return Duration.ofMillis(Math.max(jitter, retryAfter.toMillis()));
    }

    /** The longest jittered wait before retry {@code n}: {@code min(cap, base · 2^n)}. */
    public long ceilingMillis(int n) {
        long doubled = base.toMillis() << Math.min(n, 30);
        return Math.min(cap.toMillis(), doubled < 0 ? Long.MAX_VALUE : doubled);
    }

    /** Whether retry {@code n} (from 0) may be made. */
    public boolean allows(int n) {
        return n < retries;
    }
}
