package io.stampede.cluster.net;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@code host:port} address as written in configuration (seeds, Kafka bootstrap servers).
 * IPv6 literals are written in brackets: {@code [::1]:7946}.
 */
public record HostPort(String host, int port) {

    public HostPort {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("port must be between 1 and 65535, got " + port);
        }
    }

    /**
     * Parses {@code host:port}.
     *
     * @throws IllegalArgumentException with a message fit to show a user, when it is not one
     */
    public static HostPort parse(String text) {
        String value = text == null ? "" : text.trim();
        int colon = value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw new IllegalArgumentException("'" + value + "' is not host:port");
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("'" + value + "' is not host:port (write IPv6 hosts in brackets)");
        }
        int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + value + "' does not end in a port number");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("'" + value + "' has a port outside 1..65535");
        }
        return new HostPort(host, port);
    }

    /** Parses a comma-separated list of addresses; blank entries are ignored. */
    public static List<HostPort> parseList(String text) {
        List<HostPort> addresses = new ArrayList<>();
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                addresses.add(parse(part));
            }
        }
        return addresses;
    }

    /** Whether {@code host} is an IP address as written (IPv4 dotted, or IPv6), not a name to look up. */
    public static boolean isAddressLiteral(String host) {
        return host.contains(":") || host.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    }

    /** {@code host:port}, an IPv6 host in brackets. */
    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
