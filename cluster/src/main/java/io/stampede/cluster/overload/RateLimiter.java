package io.stampede.cluster.overload;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Per-client token buckets, one per client and operation: a bucket holds up to {@code burst}
 * tokens and gains them back at {@code capacity} per {@code period}; a request takes one, and
 * without one it is refused with how long until the next (its {@code Retry-After}). At most
 * {@code maxClients} clients are remembered; the one heard from least recently is forgotten first
 * (it comes back with a full bucket, which errs towards letting callers through). Time comes in
 * with each call, in milliseconds of a monotonic clock. Thread-safe.
 */
public final class RateLimiter<O> {

    /**
     * An operation's limit: {@code capacity} requests per {@code period}, refilled smoothly, of
     * which at most {@code burst} at once.
     */
    public record Limit(int capacity, Duration period, int burst) {

        public Limit {
            if (capacity < 1 || burst < 1 || period.isNegative() || period.isZero()) {
                throw new IllegalArgumentException("a limit needs a capacity and a burst of 1 or more and a positive period");
            }
        }

        /** As many at once as per period. */
        public Limit(int capacity, Duration period) {
            this(capacity, period, capacity);
        }

        double tokensPerMilli() {
            return capacity / (double) period.toMillis();
        }
    }

    /** What a request gets. */
    public sealed interface Decision {
    }

    /** Let through; {@code remaining} tokens are left in the bucket. */
    public record Allowed(int remaining) implements Decision {
    }

    /** Refused: the bucket has a token again after {@code retryAfter}. */
    public record Limited(Duration retryAfter, Limit limit) implements Decision {
    }

    private record Key(String client, Object operation) {
    }

    private static final class Bucket {
        double tokens;
        long atMillis;

        Bucket(double tokens, long atMillis) {
            this.tokens = tokens;
            this.atMillis = atMillis;
        }
    }

    private final Map<O, Limit> limits;
    private final Map<Key, Bucket> buckets;

    public RateLimiter(Map<O, Limit> limits, int maxClients) {
        this.limits = Map.copyOf(limits);
        int maxBuckets = Math.max(1, maxClients) * Math.max(1, limits.size());
        this.buckets = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, Bucket> eldest) {
                return size() > maxBuckets;
            }
        };
    }

    /** Takes a token for {@code client} doing {@code operation}; an operation without a limit is always allowed. */
    public synchronized Decision acquire(String client, O operation, long nowMillis) {
        Limit limit = limits.get(operation);
        if (limit == null) {
            return new Allowed(Integer.MAX_VALUE);
        }
        Bucket bucket = buckets.computeIfAbsent(new Key(Objects.requireNonNull(client), operation),
                key -> new Bucket(limit.burst(), nowMillis));
        long elapsed = Math.max(0, nowMillis - bucket.atMillis);
        bucket.tokens = Math.min(limit.burst(), bucket.tokens + elapsed * limit.tokensPerMilli());
        bucket.atMillis = Math.max(bucket.atMillis, nowMillis);
        if (bucket.tokens >= 1) {
            bucket.tokens -= 1;
            return new Allowed((int) bucket.tokens);
        }
        long wait = (long) Math.ceil((1 - bucket.tokens) / limit.tokensPerMilli());
        return new Limited(Duration.ofMillis(Math.max(1, wait)), limit);
    }

    /** Clients and operations with a bucket now (at most {@code maxClients} × operations). */
    public synchronized int buckets() {
        return buckets.size();
    }
}
