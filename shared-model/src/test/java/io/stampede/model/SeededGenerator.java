package io.stampede.model;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.LongStream;

/**
 * Random values for property tests, all drawn from one seed so that a failing case replays
 * exactly. A property test is a {@code @ParameterizedTest} over {@link #seeds}, builds one
 * generator per seed, and names the seed in every assertion ({@code .as("seed %d", seed)}).
 *
 * <p>Bounded values are uniform, except that one draw in {@value #EDGE_ODDS} is an edge value
 * instead: a bound, the value next to it, or 0, 1 or -1 when in range. Those are where
 * off-by-one and empty-input bugs live, and uniform draws from a wide range would almost never
 * hit them. List sizes are drawn the same way, so empty, single and full lists all occur.
 */
public final class SeededGenerator {

    /**
     * Runs only this seed instead of the usual ones, to replay a failure:
     * {@code mvn -pl shared-model test -Dtest=WindowMergePropertyTest -Dstampede.test.seed=42}.
     */
    public static final String SEED_PROPERTY = "stampede.test.seed";

    /** One bounded draw in this many is an edge value rather than uniform. */
    static final int EDGE_ODDS = 8;

    private final SplittableRandom random;

    public SeededGenerator(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /**
     * The seeds a property test runs: 1 to {@code count}, the same on every build, or only the
     * seed named by {@value #SEED_PROPERTY} when it is set.
     */
    public static LongStream seeds(int count) {
        String replay = System.getProperty(SEED_PROPERTY, "").strip();
        return replay.isEmpty() ? LongStream.rangeClosed(1, count) : LongStream.of(Long.parseLong(replay));
    }

    /** A value from {@code min} to {@code max}, both included. */
    public long longBetween(long min, long max) {
        if (min > max || max == Long.MAX_VALUE) {
            throw new IllegalArgumentException("no values from " + min + " to " + max);
        }
        if (random.nextInt(EDGE_ODDS) == 0) {
            List<Long> edges = edges(min, max);
            return edges.get(random.nextInt(edges.size()));
        }
        return random.nextLong(min, max + 1);
    }

    /** A value from {@code min} to {@code max}, both included. */
    public int intBetween(int min, int max) {
        return (int) longBetween(min, max);
    }

    public boolean bool() {
        return random.nextBoolean();
    }

    /** One of {@code choices}, each equally likely (list a value twice to make it twice as likely). */
    @SafeVarargs
    public final <T> T oneOf(T... choices) {
        if (choices.length == 0) {
            throw new IllegalArgumentException("nothing to choose from");
        }
        return choices[random.nextInt(choices.length)];
    }

    /** A list of {@code minSize} to {@code maxSize} elements, each from {@code element}. */
    public <T> List<T> listOf(int minSize, int maxSize, Supplier<T> element) {
        int size = intBetween(minSize, maxSize);
        List<T> list = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            list.add(element.get());
        }
        return list;
    }

    /** The edge values of a range, each once, in increasing order. */
    static List<Long> edges(long min, long max) {
        return LongStream.of(min, min + 1, -1, 0, 1, max - 1, max)
                .filter(value -> value >= min && value <= max)
                .sorted().distinct().boxed().toList();
    }
}
