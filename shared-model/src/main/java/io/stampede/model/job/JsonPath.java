package io.stampede.model.job;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The part of JSONPath that checks and extractions need: {@code $} (the document), {@code .name}
 * and {@code ['name']} (a field), {@code [2]} and {@code [-1]} (an array element, from the end when
 * negative), {@code [*]} and {@code .*} (every element or field).
 */
public final class JsonPath {

    private sealed interface Selector permits Field, Index, Wildcard {
    }

    private record Field(String name) implements Selector {
    }

    private record Index(int index) implements Selector {
    }

    private record Wildcard() implements Selector {
    }

    private final String source;
    private final List<Selector> selectors;

    private JsonPath(String source, List<Selector> selectors) {
        this.source = source;
        this.selectors = List.copyOf(selectors);
    }

    /**
     * Compiles a path.
     *
     * @throws IllegalArgumentException saying where the path stops making sense
     */
    public static JsonPath compile(String source) {
        String path = source.trim();
        if (!path.startsWith("$")) {
            throw new IllegalArgumentException("'" + source + "' must start with $ (the document)");
        }
        List<Selector> selectors = new ArrayList<>();
        int i = 1;
        while (i < path.length()) {
            char c = path.charAt(i);
            if (c == '.') {
                int start = ++i;
                if (i < path.length() && path.charAt(i) == '*') {
                    selectors.add(new Wildcard());
                    i++;
                    continue;
                }
                while (i < path.length() && (Character.isLetterOrDigit(path.charAt(i)) || path.charAt(i) == '_'
                        || path.charAt(i) == '-' || path.charAt(i) == '$')) {
                    i++;
                }
                if (i == start) {
                    throw new IllegalArgumentException("'" + source + "' has no field name after '.' at position " + start);
                }
                selectors.add(new Field(path.substring(start, i)));
            } else if (c == '[') {
                int close = path.indexOf(']', i);
                if (close < 0) {
                    throw new IllegalArgumentException("'" + source + "' has '[' at position " + i + " without ']'");
                }
                String inside = path.substring(i + 1, close).trim();
                if (inside.equals("*")) {
                    selectors.add(new Wildcard());
                } else if (inside.length() >= 2 && (inside.startsWith("'") && inside.endsWith("'")
                        || inside.startsWith("\"") && inside.endsWith("\""))) {
                    selectors.add(new Field(inside.substring(1, inside.length() - 1)));
                } else {
                    try {
                        selectors.add(new Index(Integer.parseInt(inside)));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("'" + source + "': [" + inside
                                + "] is not an index, 'name' or *");
                    }
                }
                i = close + 1;
            } else {
                throw new IllegalArgumentException("'" + source + "': unexpected '" + c + "' at position " + i);
            }
        }
        return new JsonPath(source, selectors);
    }

    /** Every node the path selects in {@code document}, in document order. */
    public List<JsonNode> select(JsonNode document) {
        List<JsonNode> current = List.of(document);
        for (Selector selector : selectors) {
            List<JsonNode> next = new ArrayList<>();
            for (JsonNode node : current) {
                if (selector instanceof Field field) {
                    JsonNode child = node.isObject() ? node.get(field.name()) : null;
                    if (child != null) {
                        next.add(child);
                    }
                } else if (selector instanceof Index index) {
                    if (node.isArray()) {
                        int position = index.index() < 0 ? node.size() + index.index() : index.index();
                        if (position >= 0 && position < node.size()) {
                            next.add(node.get(position));
                        }
                    }
                } else if (node.isArray()) {
                    node.forEach(next::add);
                } else if (node.isObject()) {
                    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                        next.add(it.next().getValue());
                    }
                }
            }
            current = next;
            if (current.isEmpty()) {
                break;
            }
        }
        return current;
    }

    /** The path as written. */
    @Override
    public String toString() {
        return source;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof JsonPath path && path.source.equals(source);
    }

    @Override
    public int hashCode() {
        return source.hashCode();
    }
}
