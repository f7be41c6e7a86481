package io.stampede.model.job;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Ordering workflows by their dependencies, and finding cycles among them. */
final class DependencyOrder {

    private DependencyOrder() {
    }

    /**
     * Topological order that, at each point, takes the earliest-written workflow whose dependencies
     * are all placed. The graph must be acyclic (the parser has checked it).
     */
    static List<WorkflowSpec> sort(List<WorkflowSpec> workflows) {
        List<WorkflowSpec> ordered = new ArrayList<>();
        Set<String> placed = new HashSet<>();
        while (ordered.size() < workflows.size()) {
            WorkflowSpec next = workflows.stream()
                    .filter(workflow -> !placed.contains(workflow.name()) && placed.containsAll(workflow.dependsOn()))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("workflows depend on each other in a cycle"));
            ordered.add(next);
            placed.add(next.name());
        }
        return ordered;
    }

    /**
     * A cycle in the graph, as the names along it with the first repeated at the end
     * ({@code [login, browse, login]}), or empty. Edges to unknown names are ignored.
     */
    static Optional<List<String>> findCycle(Map<String, List<String>> dependsOn) {
        Map<String, Integer> state = new HashMap<>();
        for (String start : dependsOn.keySet()) {
            List<String> path = new ArrayList<>();
            Optional<List<String>> cycle = visit(start, dependsOn, state, path);
            if (cycle.isPresent()) {
                return cycle;
            }
        }
        return Optional.empty();
    }

    private static Optional<List<String>> visit(String node, Map<String, List<String>> edges,
            Map<String, Integer> state, List<String> path) {
        int seen = state.getOrDefault(node, 0);
        if (seen == 2 || !edges.containsKey(node)) {
            return Optional.empty();
        }
        if (seen == 1) {
            List<String> cycle = new ArrayList<>(path.subList(path.indexOf(node), path.size()));
            cycle.add(node);
            return Optional.of(cycle);
        }
        state.put(node, 1);
        path.add(node);
        for (String next : edges.get(node)) {
            Optional<List<String>> cycle = visit(next, edges, state, path);
            if (cycle.isPresent()) {
                return cycle;
            }
        }
        path.remove(path.size() - 1);
        state.put(node, 2);
        return Optional.empty();
    }

    static Map<String, List<String>> edges(List<WorkflowSpec> workflows) {
        Map<String, List<String>> edges = new LinkedHashMap<>();
        workflows.forEach(workflow -> edges.put(workflow.name(), workflow.dependsOn()));
        return edges;
    }
}
