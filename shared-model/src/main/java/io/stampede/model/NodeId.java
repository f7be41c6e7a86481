package io.stampede.model;

import java.util.regex.Pattern;

/**
 * Rules for node ids ({@code stampede.node.id}). An id is a record's sender and is named in
 * certificates ({@code role:id:…}), so it holds no colon.
 */
public final class NodeId {

    /** Letters, digits, dots, dashes and underscores, starting with a letter or digit, at most 64 long. */
    public static final Pattern PATTERN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private NodeId() {
    }

    /** Whether {@code id} is a node id. */
    public static boolean valid(String id) {
        return id != null && PATTERN.matcher(id).matches();
    }
}
