package io.stampede.local;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntPredicate;

/**
 * Ports that were free a moment ago on every interface, for nodes that bind them a little later.
 * They are drawn at random below the operating system's ephemeral range
 * ({@code /proc/sys/net/ipv4/ip_local_port_range}): a port the system handed out itself could be
 * handed out again, to any outgoing connection, before the node binds it. No port is given twice by
 * one process. Another process may still take one first, which is why nothing in Stampede uses a
 * fixed port.
 */
public final class FreePorts {

    /** The lowest port drawn. */
    static final int LOWEST = 10_000;
    private static final int ATTEMPTS = 500;
    private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();

    private FreePorts() {
    }

    /** A TCP port free on every interface. */
    public static int tcp() {
        return pick(FreePorts::tcpFree, "TCP");
    }

    /** A UDP port free on every interface. */
    public static int udp() {
        return pick(FreePorts::udpFree, "UDP");
    }

    /** The first port of the system's ephemeral range; the ports drawn lie below it. */
    static int ephemeralStart() {
        try {
            // Read as lines: procfs files report a size that a whole-file read trusts, and is cut short by.
            String[] range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim()
                    .split("\\s+");
            return Integer.parseInt(range[0]);
        } catch (IOException | RuntimeException e) {
            return 32_768; // Linux's default, and what other systems come close to
        }
    }

    private static int pick(IntPredicate free, String kind) {
        int below = ephemeralStart();
        if (below - LOWEST >= 1_000) {
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                int port = ThreadLocalRandom.current().nextInt(LOWEST, below);
                if (!GIVEN.contains(port) && free.test(port) && GIVEN.add(port)) {
                    return port;
                }
            }
        }
        // No room below the ephemeral range (or none free there): let the system pick.
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int port = systemPicked(kind);
            if (GIVEN.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free " + kind + " port");
    }

    private static boolean tcpFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean udpFree(int port) {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(port))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int systemPicked(String kind) {
        try {
            if (kind.equals("TCP")) {
                try (ServerSocket socket = new ServerSocket()) {
                    socket.bind(new InetSocketAddress(0));
                    return socket.getLocalPort();
                }
            }
            try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(0))) {
                return socket.getLocalPort();
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("no free " + kind + " port", e);
        }
    }
}
