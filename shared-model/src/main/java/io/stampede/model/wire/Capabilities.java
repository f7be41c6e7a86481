package io.stampede.model.wire;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Features a node speaks beyond its protocol's MAJOR, by name. Peers tell theirs in heartbeats,
 * datacenter status records and probe answers; a feature is used with a peer only when both have
 * it ({@link #negotiate}). A name unknown to this build is kept and shown, never acted on.
 */
public final class Capabilities {

    /** Managers answer the gates' gRPC health probes (protocol 4.2). */
    public static final String PROBE = "probe";
    /** Managers start a multi-datacenter job's dependents when the gates release them (4.2). */
    public static final String WORKFLOW_RELEASE = "workflow-release";
    /** Managers hold jobs QUEUED while no core is free (4.2). */
    public static final String JOB_QUEUE = "job-queue";
    /** Heartbeats and status records carry load states; managers ask workers for backpressure (4.1). */
    public static final String LOAD_STATES = "load-states";
    /**
     * Workers and gates read the managers' terms ({@code datacenter.term}) and check a datacenter
     * leader's fences against them (4.5): managers state their terms only to readers that have it.
     */
    public static final String TERM_STATEMENTS = "term-statements";
    /**
     * Gates state a job's ownership generation when it moves ({@code job.ownership}) and name their
     * group's size in its submission; managers check the gates' fences against them (4.6).
     */
    public static final String OWNERSHIP_STATEMENTS = "ownership-statements";

    /** At most this many names from a peer are kept, each at most {@value #MAX_NAME} characters. */
    public static final int MAX_COUNT = 64;
    public static final int MAX_NAME = 64;

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{0," + (MAX_NAME - 1) + "}");

    /** What protocol 4.2 had, before capabilities were told: fixed, whatever later builds add. */
    static final SortedSet<String> OF_4_2 = of(List.of(PROBE, WORKFLOW_RELEASE, JOB_QUEUE, LOAD_STATES));

    /** What this build speaks. */
    public static final SortedSet<String> CURRENT = of(List.of(PROBE, WORKFLOW_RELEASE, JOB_QUEUE, LOAD_STATES,
            TERM_STATEMENTS, OWNERSHIP_STATEMENTS));

    private Capabilities() {
    }

    /** The well-formed names of {@code names}, sorted, at most {@value #MAX_COUNT}; null is none. */
    public static SortedSet<String> of(Collection<String> names) {
        SortedSet<String> set = new TreeSet<>();
        if (names != null) {
            names.stream().filter(Capabilities::wellFormed).limit(MAX_COUNT).forEach(set::add);
        }
        return java.util.Collections.unmodifiableSortedSet(set);
    }

    /** Whether {@code name} is a capability name: lower-case letters, digits, dots and dashes. */
    public static boolean wellFormed(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /**
     * What a peer speaks by what it told, or, when it told nothing (protocol 4.2 and older, which
     * carried no capabilities), by its protocol version: 4.1 added load states, 4.2 probes, queues
     * and released workflows.
     */
    public static SortedSet<String> told(Collection<String> names, ProtocolVersion protocol) {
        if (names != null && !names.isEmpty()) {
            return of(names);
        }
        if (protocol.major() != 4) {
            return of(null);
        }
        return protocol.minor() >= 2 ? OF_4_2 : protocol.minor() == 1 ? of(List.of(LOAD_STATES)) : of(null);
    }

    /**
     * What every node of {@code version} or a later MINOR of its MAJOR speaks: each capability of
     * this build from the MINOR that brought it (4.1 load states; 4.2 probes, queues and released
     * workflows; 4.5 term statements; 4.6 ownership statements). Nothing for another MAJOR than this build's.
     */
    public static SortedSet<String> since(ProtocolVersion version) {
        SortedSet<String> names = new TreeSet<>(told(null, version));
        if (version.major() == ProtocolVersion.CURRENT.major() && version.minor() >= 5) {
            names.add(TERM_STATEMENTS);
        }
        if (version.major() == ProtocolVersion.CURRENT.major() && version.minor() >= 6) {
            names.add(OWNERSHIP_STATEMENTS);
        }
        return java.util.Collections.unmodifiableSortedSet(names);
    }

    /** What two peers may use together: the names both have. */
    public static SortedSet<String> negotiate(Set<String> mine, Set<String> theirs) {
        SortedSet<String> both = new TreeSet<>(mine);
        both.retainAll(theirs);
        return java.util.Collections.unmodifiableSortedSet(both);
    }
}
