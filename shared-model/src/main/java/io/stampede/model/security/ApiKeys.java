package io.stampede.model.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * The API keys a node accepts, each kept as {@code name:roles:sha256[:limits]}: a name (shown in
 * logs and metrics instead of the key), its roles joined by {@code +}, the hex SHA-256 of the key,
 * and optionally how much load one job of the key's may ask for ({@link KeyLimits}). The
 * key itself is never stored by a node. A generated key carries 256 random bits, so one round of
 * SHA-256 is enough to keep it from being recovered from its hash (no salt or slow hash is needed,
 * unlike for a password). Pure and immutable.
 */
public final class ApiKeys {

    /** What a key may do. */
    public enum Role {
        /** Read jobs, their series and events, datacenters and node views. */
        READ,
        /** Submit and cancel jobs. */
        SUBMIT,
        /** Everything: every other role. */
        ADMIN;

        /** The role's name in configuration and in {@code @RolesAllowed}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One accepted key: its name, roles ({@link Role#ADMIN} brings the others) and limits. */
    public record ApiKey(String name, Set<Role> roles, KeyLimits limits) {
        public ApiKey {
            roles = roles.contains(Role.ADMIN) ? Set.copyOf(EnumSet.allOf(Role.class)) : Set.copyOf(roles);
        }
    }

    /** The prefix of every generated key, so that one is recognised in a leak scan. */
    public static final String PREFIX = "stk_";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    /** The name no key may take: it is the principal of every request while authentication is off. */
    private static final String RESERVED = "unauthenticated";
    private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");

    private final Map<String, ApiKey> byHash;

    private ApiKeys(Map<String, ApiKey> byHash) {
        this.byHash = Map.copyOf(byHash);
    }

    /** No key at all: every presented key is refused. */
    public static ApiKeys none() {
        return new ApiKeys(Map.of());
    }

    /** How many keys are accepted. */
    public int size() {
        return byHash.size();
    }

    /** The key presented, if it is one of these. */
    public Optional<ApiKey> find(String presented) {
        return presented == null || presented.isEmpty() ? Optional.empty() : Optional.ofNullable(byHash.get(hash(presented)));
    }

    /** The hex SHA-256 of a key, as configuration holds it. */
    public static String hash(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** A new key: {@link #PREFIX} and 256 random bits, URL-safe. */
    public static String generate(RandomGenerator random) {
        byte[] bits = new byte[32];
        random.nextBytes(bits);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bits);
    }

    /** A configuration entry for a key: {@code name:roles:sha256}. */
    public static String entry(String name, Set<Role> roles, String key) {
        return entry(name, roles, key, KeyLimits.NONE);
    }

    /** A configuration entry for a key: {@code name:roles:sha256}, then {@code :limits} when there are any. */
    public static String entry(String name, Set<Role> roles, String key, KeyLimits limits) {
        return name + ":" + String.join("+", roles.stream().sorted().map(Role::label).toList()) + ":" + hash(key)
                + (limits.none() ? "" : ":" + limits.text());
    }

    /** What {@link #parse} made of configuration: the keys, and every problem (with where it was). */
    public record Parsed(ApiKeys keys, List<String> problems) {
    }

    /**
     * Reads entries ({@code name:roles:sha256[:limits]}); blank lines and {@code #} comments are skipped.
     *
     * @param source where the entries come from, named in problems (a setting or a file)
     */
    public static Parsed parse(List<String> entries, String source) {
        Map<String, ApiKey> byHash = new HashMap<>();
        Map<String, String> names = new HashMap<>();
        List<String> problems = new ArrayList<>();
        int line = 0;
        for (String raw : entries) {
            line++;
            String entry = raw.strip();
            if (entry.isEmpty() || entry.startsWith("#")) {
                continue;
            }
            String where = source + " entry " + line;
            String[] parts = entry.split(":", -1);
            if (parts.length != 3 && parts.length != 4) {
                problems.add(where + ": must be name:roles:sha256 or name:roles:sha256:limits (the key itself is"
                        + " never configured)");
                continue;
            }
            String name = parts[0];
            String hash = parts[2].toLowerCase(Locale.ROOT);
            if (!NAME.matcher(name).matches()) {
                problems.add(where + ": the name '" + name + "' must be 1-64 letters, digits, dots, dashes or underscores");
                continue;
            }
            if (name.equals(RESERVED)) {
                problems.add(where + ": the name '" + RESERVED + "' is reserved");
                continue;
            }
            if (!HASH.matcher(hash).matches()) {
                problems.add(where + " (" + name + "): the hash must be 64 hex digits, the SHA-256 of the key");
                continue;
            }
            EnumSet<Role> roles = EnumSet.noneOf(Role.class);
            boolean rolesValid = true;
            for (String role : parts[1].split("\\+", -1)) {
                try {
                    roles.add(Role.valueOf(role.strip().toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    // The text is not echoed: a key pasted in the wrong place must not reach a log.
                    problems.add(where + " (" + name + "): its roles must be read, submit or admin, joined by +");
                    rolesValid = false;
                }
            }
            if (!rolesValid) {
                continue;
            }
            KeyLimits limits;
            try {
                limits = parts.length == 4 ? KeyLimits.parse(parts[3]) : KeyLimits.NONE;
            } catch (IllegalArgumentException e) {
                problems.add(where + " (" + name + "): its limits (vus=N;rate=R;duration=D): " + e.getMessage());
                continue;
            }
            if (names.put(name, hash) != null) {
                problems.add(where + ": the name '" + name + "' is used twice");
                continue;
            }
            if (byHash.putIfAbsent(hash, new ApiKey(name, roles, limits)) != null) {
                problems.add(where + " (" + name + "): the same key as '" + byHash.get(hash).name() + "'");
            }
        }
        return new Parsed(new ApiKeys(byHash), problems);
    }

    /** These keys and {@code other}'s; a key in both keeps this one's name and roles. */
    public ApiKeys and(ApiKeys other) {
        Map<String, ApiKey> all = new HashMap<>(other.byHash);
        all.putAll(byHash);
        return new ApiKeys(all);
    }
}
