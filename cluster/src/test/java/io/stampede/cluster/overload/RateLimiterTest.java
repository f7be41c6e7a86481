package io.stampede.cluster.overload;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RateLimiterTest {

    enum Op { SUBMIT, CANCEL, HEALTH }

    private static final Map<Op, RateLimiter.Limit> LIMITS = Map.of(
            Op.SUBMIT, new RateLimiter.Limit(50, Duration.ofSeconds(10)),
            Op.CANCEL, new RateLimiter.Limit(20, Duration.ofSeconds(10)));

    @Test
    void aFullBucketLetsItsCapacityThroughAtOnceThenRefusesWithTheWait() {
        RateLimiter<Op> limiter = new RateLimiter<>(LIMITS, 100);
        for (int i = 0; i < 50; i++) {
            assertThat(limiter.acquire("a", Op.SUBMIT, 0)).isInstanceOf(RateLimiter.Allowed.class);
        }
        RateLimiter.Decision refused = limiter.acquire("a", Op.SUBMIT, 0);
        // 50 per 10 s: one token every 200 ms.
        assertThat(refused).isEqualTo(new RateLimiter.Limited(Duration.ofMillis(200), LIMITS.get(Op.SUBMIT)));
    }

    /** After emptying a 50-per-10-s bucket at 0: how many more get through by then. */
    @ParameterizedTest(name = "at {0} ms: {1} more")
    @CsvSource({ "100, 0", "199, 0", "200, 1", "1000, 5", "10000, 50", "60000, 50" })
    void refillsSmoothlyUpToTheCapacity(long atMillis, int more) {
        RateLimiter<Op> limiter = new RateLimiter<>(LIMITS, 100);
        for (int i = 0; i < 50; i++) {
            limiter.acquire("a", Op.SUBMIT, 0);
        }
        int allowed = 0;
        while (limiter.acquire("a", Op.SUBMIT, atMillis) instanceof RateLimiter.Allowed) {
            allowed++;
        }
        assertThat(allowed).isEqualTo(more);
    }

    @Test
    void aBurstSmallerThanTheRateLetsThatManyThroughAtOnceThenTheRate() {
        RateLimiter<Op> limiter = new RateLimiter<>(Map.of(Op.SUBMIT, new RateLimiter.Limit(50, Duration.ofSeconds(10), 10)),
                100);
        int allowed = 0;
        while (limiter.acquire("a", Op.SUBMIT, 0) instanceof RateLimiter.Allowed) {
            allowed++;
        }
        assertThat(allowed).isEqualTo(10);
        // Over 10 s: the burst, then 5 a second, 60 in all; never more than 10 held.
        for (long at = 100; at <= 10_000; at += 100) {
            while (limiter.acquire("a", Op.SUBMIT, at) instanceof RateLimiter.Allowed) {
                allowed++;
            }
        }
        assertThat(allowed).isEqualTo(60);
        int afterAPause = 0;
        while (limiter.acquire("a", Op.SUBMIT, 600_000) instanceof RateLimiter.Allowed) {
            afterAPause++;
        }
        assertThat(afterAPause).isEqualTo(10);
    }

    @Test
    void clientsAndOperationsHaveTheirOwnBuckets() {
        RateLimiter<Op> limiter = new RateLimiter<>(LIMITS, 100);
        for (int i = 0; i < 50; i++) {
            limiter.acquire("a", Op.SUBMIT, 0);
        }
        assertThat(limiter.acquire("a", Op.SUBMIT, 0)).isInstanceOf(RateLimiter.Limited.class);
        assertThat(limiter.acquire("b", Op.SUBMIT, 0)).isInstanceOf(RateLimiter.Allowed.class);
        assertThat(limiter.acquire("a", Op.CANCEL, 0)).isInstanceOf(RateLimiter.Allowed.class);
        assertThat(limiter.acquire("a", Op.HEALTH, 0)).as("no limit").isInstanceOf(RateLimiter.Allowed.class);
    }

    @Test
    void remembersAtMostItsClientsForgettingTheLeastRecent() {
        RateLimiter<Op> limiter = new RateLimiter<>(LIMITS, 3);
        for (int client = 0; client < 10; client++) {
            limiter.acquire("c" + client, Op.SUBMIT, 0);
        }
        assertThat(limiter.buckets()).isEqualTo(3 * LIMITS.size());
    }

    @Test
    void aClockGoingBackDoesNotMintTokens() {
        RateLimiter<Op> limiter = new RateLimiter<>(LIMITS, 100);
        for (int i = 0; i < 50; i++) {
            limiter.acquire("a", Op.SUBMIT, 5_000);
        }
        assertThat(limiter.acquire("a", Op.SUBMIT, 0)).isInstanceOf(RateLimiter.Limited.class);
    }
}
