package io.stampede.model.lifecycle;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A lifecycle as data: the moves a status enum allows, one row per state. {@link #move} is the
 * only way a status changes, and a move the table does not hold throws, so a bug that would put
 * a job into an impossible state fails where it happens instead of surfacing later as a hang.
 *
 * <p>The table also remembers which moves were made in this process (at most one entry per row
 * and target, so it is bounded by the table's size). Each module's lifecycle test walks every
 * move through the module's own code and then asks {@link #unvisited()}: a move that no test
 * exercises any more fails the build, as Temporal's SDK does for its state machines.
 *
 * @param <S> the status enum
 */
public final class Transitions<S extends Enum<S>> {

    /** One allowed move. */
    public record Move<S>(S from, S to) {
        @Override
        public String toString() {
            return from + " → " + to;
        }
    }

    private final String subject;
    private final Map<S, Set<S>> moves;
    private final Set<Move<S>> visited = ConcurrentHashMap.newKeySet();

    private Transitions(String subject, Map<S, Set<S>> moves) {
        this.subject = subject;
        this.moves = moves;
    }

    /**
     * Starts a table for the states of {@code type}.
     *
     * @param subject what moves, for error messages ("a job", "a workflow")
     */
    public static <S extends Enum<S>> Builder<S> of(Class<S> type, String subject) {
        return new Builder<>(type, subject);
    }

    /** Builds a table row by row; a state without a row is terminal. */
    public static final class Builder<S extends Enum<S>> {
        private final Class<S> type;
        private final String subject;
        private final Map<S, Set<S>> moves;

        private Builder(Class<S> type, String subject) {
            this.type = type;
            this.subject = subject;
            this.moves = new EnumMap<>(type);
        }

        /** {@code from} may move to each of {@code to}. */
        @SafeVarargs
        public final Builder<S> allow(S from, S... to) {
            Set<S> targets = moves.computeIfAbsent(from, key -> EnumSet.noneOf(type));
            Collections.addAll(targets, to);
            return this;
        }

        public Transitions<S> build() {
            Map<S, Set<S>> table = new EnumMap<>(type);
            for (S state : type.getEnumConstants()) {
                table.put(state, Collections.unmodifiableSet(moves.getOrDefault(state, EnumSet.noneOf(type))));
            }
            return new Transitions<>(subject, Collections.unmodifiableMap(table));
        }
    }

    /**
     * The state after moving from {@code from} to {@code to}.
     *
     * @throws IllegalStateException when the table does not allow the move
     */
    public S move(S from, S to) {
        if (!allows(from, to)) {
            throw new IllegalStateException(subject + " cannot go from " + from + " to " + to);
        }
        visited.add(new Move<>(from, to));
        return to;
    }

    public boolean allows(S from, S to) {
        return moves.get(from).contains(to);
    }

    /** Whether nothing follows {@code state}. */
    public boolean terminal(S state) {
        return moves.get(state).isEmpty();
    }

    /** Every allowed move, in the enum's order. */
    public Set<Move<S>> moves() {
        Set<Move<S>> all = new LinkedHashSet<>();
        moves.forEach((from, targets) -> targets.forEach(to -> all.add(new Move<>(from, to))));
        return all;
    }

    /** Allowed moves not made in this process since the last {@link #forgetVisits()}. */
    public Set<Move<S>> unvisited() {
        Set<Move<S>> missing = moves();
        missing.removeAll(visited);
        return missing;
    }

    /** Starts counting visits afresh (a lifecycle test calls it first). */
    public void forgetVisits() {
        visited.clear();
    }
}
