package io.stampede.model.load;

/**
 * How loaded a node is, from the worst of its overload signals (latency against its own
 * baseline, latency of its critical work, CPU and memory). Each state sheds more work: see
 * {@link #admits(Priority)}. Ordered from least to most loaded.
 */
public enum LoadState {
    /** Every signal below its first threshold: all work is taken. */
    HEALTHY,
    /** One signal past its first threshold: LOW work (listings, debug) is shed. */
    BUSY,
    /** Past the second threshold: NORMAL work (progress, status reads) is shed too. */
    STRESSED,
    /** Past the third: only CRITICAL work (health, cancel, final results, membership) is taken. */
    OVERLOADED;

    /** The more loaded of the two. */
    public LoadState worst(LoadState other) {
        return other != null && other.ordinal() > ordinal() ? other : this;
    }

    /** Whether a node in this state takes work of this priority. */
    public boolean admits(Priority priority) {
        return switch (this) {
            case HEALTHY -> true;
            case BUSY -> priority != Priority.LOW;
            case STRESSED -> priority == Priority.CRITICAL || priority == Priority.HIGH;
            case OVERLOADED -> priority == Priority.CRITICAL;
        };
    }

    /** A state read from the wire: an older node that sent none counts as HEALTHY. */
    public static LoadState orHealthy(LoadState state) {
        return state == null ? HEALTHY : state;
    }
}
