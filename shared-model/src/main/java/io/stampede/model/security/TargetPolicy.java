package io.stampede.model.security;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where load may go: the hosts and addresses a job's requests may be sent to. Checked by the gate
 * when a job is submitted and by each worker before every request and redirect, against the
 * addresses the host resolves to (so a name pointing at a denied address is denied too). In order:
 * <ol>
 * <li>cloud metadata addresses and names are always denied: nothing opens them;</li>
 * <li>{@code deny} entries (host names, {@code *.suffix}, addresses, CIDRs) are denied;</li>
 * <li>{@code allow} entries are allowed;</li>
 * <li>unspecified, multicast and link-local addresses are denied;</li>
 * <li>loopback addresses unless {@code allowLoopback}, and private ranges (10/8, 172.16/12,
 * 192.168/16, 100.64/10, fc00::/7) unless {@code allowPrivate}, are denied;</li>
 * <li>everything else is allowed.</li>
 * </ol>
 * A host resolving to several addresses is allowed only when every one is. Pure and immutable.
 */
public final class TargetPolicy {

    /** Addresses cloud providers serve instance metadata and credentials at. */
    static final List<Cidr> METADATA = List.of(Cidr.parse("169.254.169.254"), Cidr.parse("169.254.170.2"),
            Cidr.parse("fd00:ec2::254"), Cidr.parse("100.100.100.200"));
    /** Names cloud providers serve instance metadata at. */
    static final Set<String> METADATA_NAMES = Set.of("metadata.google.internal", "metadata.goog", "metadata");
    private static final List<Cidr> PRIVATE = List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("172.16.0.0/12"),
            Cidr.parse("192.168.0.0/16"), Cidr.parse("100.64.0.0/10"), Cidr.parse("fc00::/7"));

    private final List<Entry> allow;
    private final List<Entry> deny;
    private final boolean allowLoopback;
    private final boolean allowPrivate;

    private TargetPolicy(List<Entry> allow, List<Entry> deny, boolean allowLoopback, boolean allowPrivate) {
        this.allow = List.copyOf(allow);
        this.deny = List.copyOf(deny);
        this.allowLoopback = allowLoopback;
        this.allowPrivate = allowPrivate;
    }

    /** The production defaults: only public addresses. */
    public static TargetPolicy defaults() {
        return new TargetPolicy(List.of(), List.of(), false, false);
    }

    /** What {@link #of} made of the settings: the policy, and every entry it could not read. */
    public record Parsed(TargetPolicy policy, List<String> problems) {
    }

    /**
     * A policy from settings.
     *
     * @param allow entries allowed even where a default denies (not metadata)
     * @param deny  entries always denied
     */
    public static Parsed of(List<String> allow, List<String> deny, boolean allowLoopback, boolean allowPrivate) {
        List<String> problems = new ArrayList<>();
        List<Entry> allowed = entries(allow, "stampede.targets.allow", problems);
        List<Entry> denied = entries(deny, "stampede.targets.deny", problems);
        return new Parsed(new TargetPolicy(allowed, denied, allowLoopback, allowPrivate), problems);
    }

    /**
     * Why {@code host}, resolved to {@code addresses}, may not be a target; empty when it may.
     *
     * @param addresses what the host resolves to (its own address for a literal); empty when it
     *                  could not be resolved, and then only its name is judged
     */
    public Optional<String> refusal(String host, List<InetAddress> addresses) {
        String name = host.toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        if (METADATA_NAMES.contains(name)) {
            return Optional.of(host + " is a cloud metadata service, never a target");
        }
        for (Entry entry : deny) {
            if (entry.matchesName(name)) {
                return Optional.of(host + " is denied by stampede.targets.deny (" + entry.source() + ")");
            }
        }
        for (InetAddress address : addresses) {
            Optional<String> refused = refusal(host, name, address);
            if (refused.isPresent()) {
                return refused;
            }
        }
        return Optional.empty();
    }

    private Optional<String> refusal(String host, String name, InetAddress address) {
        String shown = host.equals(address.getHostAddress()) ? host : host + " (" + address.getHostAddress() + ")";
        if (METADATA.stream().anyMatch(cidr -> cidr.contains(address))) {
            return Optional.of(shown + " is a cloud metadata address, never a target");
        }
        for (Entry entry : deny) {
            if (entry.matches(address)) {
                return Optional.of(shown + " is denied by stampede.targets.deny (" + entry.source() + ")");
            }
        }
        for (Entry entry : allow) {
            if (entry.matchesName(name) || entry.matches(address)) {
                return Optional.empty();
            }
        }
        if (address.isAnyLocalAddress() || address.isMulticastAddress()
                || address.getHostAddress().equals("255.255.255.255")) {
            return Optional.of(shown + " is not an address load may be sent to");
        }
        if (address.isLinkLocalAddress()) {
            return Optional.of(shown + " is link-local: allow it with stampede.targets.allow");
        }
        if (address.isLoopbackAddress() && !allowLoopback) {
            return Optional.of(shown + " is loopback: allow it with stampede.targets.allow-loopback");
        }
        if ((address.isSiteLocalAddress() || PRIVATE.stream().anyMatch(cidr -> cidr.contains(address))) && !allowPrivate) {
            return Optional.of(shown + " is in a private range: allow it with stampede.targets.allow-private"
                    + " or stampede.targets.allow");
        }
        return Optional.empty();
    }

    private static List<Entry> entries(List<String> values, String key, List<String> problems) {
        List<Entry> entries = new ArrayList<>();
        for (String raw : values) {
            String value = raw.strip().toLowerCase(Locale.ROOT);
            if (value.isEmpty()) {
                continue;
            }
            if (Cidr.looksLikeOne(value)) {
                try {
                    entries.add(new Entry(value, null, Cidr.parse(value)));
                } catch (IllegalArgumentException e) {
                    problems.add(key + ": '" + raw + "' " + e.getMessage());
                }
            } else if (Entry.NAME.matcher(value).matches()) {
                entries.add(new Entry(value, value, null));
            } else {
                problems.add(key + ": '" + raw + "' is neither a host name, *.domain, an address nor a CIDR");
            }
        }
        return entries;
    }

    /**
     * A list of hosts, written as {@code stampede.targets.allow} is: names, {@code *.domain} for
     * every name under it, addresses and CIDRs. Immutable.
     */
    public static final class Hosts {

        /** No host at all. */
        public static final Hosts NONE = new Hosts(List.of());

        private final List<Entry> entries;

        private Hosts(List<Entry> entries) {
            this.entries = List.copyOf(entries);
        }

        /**
         * Reads a list; each entry that is none of these is a problem, named with {@code key}, and
         * left out.
         */
        public static Hosts parse(List<String> values, String key, List<String> problems) {
            return new Hosts(entries(values, key, problems));
        }

        /** Whether a request to {@code host} (as its URL names it), sent to {@code address}, goes to one of these. */
        public boolean contain(String host, InetAddress address) {
            String name = host.toLowerCase(Locale.ROOT);
            return entries.stream().anyMatch(entry -> entry.matchesName(name) || entry.matches(address));
        }
    }

    /** An allow or deny entry: a host name ({@code *.domain} for every name under it), or a CIDR. */
    private record Entry(String source, String name, Cidr cidr) {
        static final Pattern NAME = Pattern.compile("(\\*\\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*");

        boolean matchesName(String host) {
            if (name == null) {
                return false;
            }
            return name.startsWith("*.") ? host.endsWith(name.substring(1)) : host.equals(name);
        }

        boolean matches(InetAddress address) {
            return cidr != null && cidr.contains(address);
        }
    }

    /** A block of addresses: {@code address/prefix}, or one address. */
    record Cidr(byte[] network, int prefix) {

        static boolean looksLikeOne(String value) {
            return value.contains("/") || value.contains(":") || value.matches("[0-9.]+");
        }

        static Cidr parse(String value) {
            int slash = value.indexOf('/');
            String address = slash < 0 ? value : value.substring(0, slash);
            if (!address.contains(":") && !address.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
                throw new IllegalArgumentException("is not an address: use a.b.c.d or an IPv6 address");
            }
            byte[] bytes;
            try {
                bytes = InetAddress.getByName(address).getAddress(); // a literal: no lookup
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("is not an address");
            }
            int bits = bytes.length * 8;
            int prefix;
            try {
                prefix = slash < 0 ? bits : Integer.parseInt(value.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("has no prefix length after '/'");
            }
            if (prefix < 0 || prefix > bits) {
                throw new IllegalArgumentException("has a prefix length outside 0.." + bits);
            }
            return new Cidr(bytes, prefix);
        }

        boolean contains(InetAddress address) {
            byte[] candidate = address.getAddress();
            if (candidate.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (candidate[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = 0xff << (8 - rest) & 0xff;
            return (candidate[full] & mask) == (network[full] & mask);
        }
    }
}
