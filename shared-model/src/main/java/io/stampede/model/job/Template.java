package io.stampede.model.job;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.random.RandomGenerator;

/**
 * Text with {@code {{…}}} placeholders, parsed once and rendered per request.
 *
 * <p>A placeholder is a variable ({@code {{token}}}: a job variable, a value extracted earlier in
 * the iteration, or one exported by a workflow this one depends on) or a built-in:
 * {@code {{vu}}} (the virtual user's number), {@code {{iteration}}} (its iteration, from 0),
 * {@code {{uuid}}}, {@code {{sequence}}} (1, 2, 3, … across the workflow), {@code {{timestamp}}}
 * (milliseconds since the epoch) and {@code {{randomInt MIN MAX}}} (inclusive).
 */
public final class Template {

    /** Built-in names that take no arguments. */
    public static final Set<String> BUILT_INS = Set.of("vu", "iteration", "uuid", "sequence", "timestamp");
    /** Built-in functions that take arguments. */
    public static final Set<String> FUNCTIONS = Set.of("randomInt");

    /** A piece of a template. */
    public sealed interface Part permits Literal, Variable, BuiltIn, RandomInt, Secret {
    }

    /** Text copied as is. */
    public record Literal(String text) implements Part {
    }

    /** A named value from the scope. */
    public record Variable(String name) implements Part {
    }

    /** One of {@link #BUILT_INS}. */
    public record BuiltIn(String name) implements Part {
    }

    /** {@code randomInt MIN MAX}, both inclusive. */
    public record RandomInt(long min, long max) implements Part {
    }

    /**
     * {@code {{secret:name}}}: a value the worker sending the request knows and nothing else does (its
     * environment or a mounted file); the job carries only the name.
     */
    public record Secret(String name) implements Part {
    }

    /** What rendering needs from the running virtual user. */
    public interface Scope {
        /** The value of a variable, or null when it has none (yet). */
        String variable(String name);

        long vu();

        long iteration();

        long nextSequence();

        RandomGenerator random();

        long epochMillis();

        /** The value of a secret, or null when this scope knows none (only a worker's does). */
        default String secret(String name) {
            return null;
        }
    }

    /** How a placeholder names a secret: {@code {{secret:name}}}. */
    public static final String SECRET_PREFIX = "secret:";

    private final String source;
    private final List<Part> parts;
    private final boolean jsonEscape;
    private final String constant;

    private Template(String source, List<Part> parts, boolean jsonEscape) {
        this.source = source;
        this.parts = List.copyOf(parts);
        this.jsonEscape = jsonEscape;
        boolean literalOnly = parts.stream().allMatch(part -> part instanceof Literal);
        this.constant = literalOnly ? source : null;
    }

    /**
     * Parses text with placeholders.
     *
     * @throws IllegalArgumentException naming the faulty placeholder
     */
    public static Template parse(String source) {
        return parse(source, false);
    }

    /** As {@link #parse(String)}, for JSON text: rendered values are escaped as JSON string content. */
    public static Template parseJson(String source) {
        return parse(source, true);
    }

    private static Template parse(String source, boolean jsonEscape) {
        List<Part> parts = new ArrayList<>();
        int position = 0;
        while (position < source.length()) {
            int open = source.indexOf("{{", position);
            if (open < 0) {
                parts.add(new Literal(source.substring(position)));
                break;
            }
            if (open > position) {
                parts.add(new Literal(source.substring(position, open)));
            }
            int close = source.indexOf("}}", open + 2);
            if (close < 0) {
                throw new IllegalArgumentException("'{{' at position " + open + " is never closed with '}}'");
            }
            parts.add(placeholder(source.substring(open + 2, close).trim()));
            position = close + 2;
        }
        return new Template(source, parts, jsonEscape);
    }

    private static Part placeholder(String expression) {
        if (expression.isEmpty()) {
            throw new IllegalArgumentException("'{{}}' names nothing");
        }
        String[] words = expression.split("\\s+");
        String name = words[0];
        if (name.startsWith(SECRET_PREFIX) && words.length == 1) {
            String secret = name.substring(SECRET_PREFIX.length());
            if (!secret.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new IllegalArgumentException("'{{" + expression + "}}' is not a secret's name"
                        + " (letters, digits and underscores after 'secret:', not starting with a digit)");
            }
            return new Secret(secret);
        }
        if (name.equals("randomInt")) {
            if (words.length != 3) {
                throw new IllegalArgumentException("'{{" + expression + "}}': randomInt takes two whole numbers,"
                        + " e.g. {{randomInt 1 100}}");
            }
            try {
                long min = Long.parseLong(words[1]);
                long max = Long.parseLong(words[2]);
                if (min > max) {
                    throw new IllegalArgumentException("'{{" + expression + "}}': the minimum is above the maximum");
                }
                return new RandomInt(min, max);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'{{" + expression + "}}': randomInt takes two whole numbers,"
                        + " e.g. {{randomInt 1 100}}");
            }
        }
        if (words.length > 1) {
            throw new IllegalArgumentException("'{{" + expression + "}}': only randomInt takes arguments");
        }
        if (BUILT_INS.contains(name)) {
            return new BuiltIn(name);
        }
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("'{{" + expression + "}}' is not a variable name"
                    + " (letters, digits and underscores, not starting with a digit)");
        }
        return new Variable(name);
    }

    /** The source text. */
    public String source() {
        return source;
    }

    public List<Part> parts() {
        return parts;
    }

    /** Whether the template has no placeholders (rendering returns the source, at no cost). */
    public boolean isConstant() {
        return constant != null;
    }

    /** The secrets it refers to ({@code {{secret:name}}}), in order of first use. */
    public Set<String> secrets() {
        Set<String> names = new LinkedHashSet<>();
        for (Part part : parts) {
            if (part instanceof Secret secret) {
                names.add(secret.name());
            }
        }
        return names;
    }

    /** The variables it refers to, in order of first use. */
    public Set<String> variables() {
        Set<String> names = new LinkedHashSet<>();
        for (Part part : parts) {
            if (part instanceof Variable variable) {
                names.add(variable.name());
            }
        }
        return names;
    }

    /**
     * Renders the template.
     *
     * @throws MissingVariableException when a variable has no value in {@code scope}
     */
    public String render(Scope scope) {
        if (constant != null) {
            return constant;
        }
        StringBuilder out = new StringBuilder(source.length() + 16);
        for (Part part : parts) {
            if (part instanceof Literal literal) {
                out.append(literal.text());
            } else if (part instanceof Variable variable) {
                String value = scope.variable(variable.name());
                if (value == null) {
                    throw new MissingVariableException(variable.name());
                }
                append(out, value);
            } else if (part instanceof BuiltIn builtIn) {
                append(out, switch (builtIn.name()) {
                    case "vu" -> Long.toString(scope.vu());
                    case "iteration" -> Long.toString(scope.iteration());
                    case "uuid" -> randomUuid(scope.random()).toString();
                    case "sequence" -> Long.toString(scope.nextSequence());
                    default -> Long.toString(scope.epochMillis());
                });
            } else if (part instanceof RandomInt random) {
                out.append(random.min() == random.max() ? random.min()
                        : scope.random().nextLong(random.min(), random.max() + 1));
            } else if (part instanceof Secret secret) {
                String value = scope.secret(secret.name());
                if (value == null) {
                    throw new MissingVariableException(SECRET_PREFIX + secret.name());
                }
                append(out, value);
            }
        }
        return out.toString();
    }

    private void append(StringBuilder out, String value) {
        if (!jsonEscape) {
            out.append(value);
            return;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
    }

    @Override
    public String toString() {
        return source;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Template template && template.source.equals(source)
                && template.jsonEscape == jsonEscape;
    }

    @Override
    public int hashCode() {
        return source.hashCode();
    }

    /** A variable had no value when the template was rendered (e.g. an extraction found nothing). */
    public static final class MissingVariableException extends RuntimeException {
        private final String variable;

        public MissingVariableException(String variable) {
            super("variable '" + variable + "' has no value", null, false, false);
            this.variable = variable;
        }

        public String variable() {
            return variable;
        }
    }

    /** An RFC 4122 version-4 (random) UUID from {@code random}: 122 random bits, version 4, variant 2. */
    static UUID randomUuid(RandomGenerator random) {
        long high = (random.nextLong() & ~0xF000L) | 0x4000L;
        long low = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(high, low);
    }
}
