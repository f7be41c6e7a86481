package io.stampede.e2e;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The sockets a process listens on, read from Linux's {@code /proc}: its TCP sockets in LISTEN and
 * its bound UDP sockets, each as {@code "tcp 127.0.0.1:8080"} ({@code "tcp6 [0:0:0:0:0:0:0:0]:8080"}
 * for an IPv6 socket on every interface).
 */
final class ListeningSockets {

    private ListeningSockets() {
    }

    static List<String> of(long pid) throws IOException {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException e) {
                    // Closed while listed.
                }
            }
        }
        List<String> sockets = new ArrayList<>();
        for (String table : List.of("tcp", "tcp6", "udp", "udp6")) {
            List<String> lines = Files.readAllLines(Path.of("/proc", Long.toString(pid), "net", table));
            for (String line : lines.subList(1, lines.size())) {
                String[] fields = line.trim().split("\\s+");
                boolean listening = table.startsWith("udp") || fields[3].equals("0A");
                if (listening && inodes.contains(fields[9])) {
                    sockets.add(table + " " + address(fields[1]));
                }
            }
        }
        return sockets;
    }

    /**
     * {@code 0100007F:1F90} as {@code 127.0.0.1:8080}. The kernel prints an address as 32-bit words
     * in the machine's byte order (little-endian here); an IPv4-mapped IPv6 address (a dual-stack
     * socket bound to {@code 127.0.0.1}) shows as its IPv4 address, any other IPv6 one in brackets.
     */
    private static String address(String hex) throws IOException {
        String[] parts = hex.split(":");
        int port = Integer.parseInt(parts[1], 16);
        byte[] bytes = new byte[parts[0].length() / 2];
        for (int word = 0; word < bytes.length / 4; word++) {
            for (int i = 0; i < 4; i++) {
                int at = word * 8 + (3 - i) * 2;
                bytes[word * 4 + i] = (byte) Integer.parseInt(parts[0].substring(at, at + 2), 16);
            }
        }
        InetAddress address = InetAddress.getByAddress(bytes);
        return (address instanceof Inet4Address ? address.getHostAddress() : "[" + address.getHostAddress() + "]") + ":" + port;
    }

    /** This machine's IPv4 addresses other than loopback, for trying to reach a port from outside. */
    static List<String> nonLoopbackAddresses() throws SocketException {
        List<String> addresses = new ArrayList<>();
        for (NetworkInterface network : NetworkInterface.networkInterfaces().toList()) {
            for (InetAddress address : network.inetAddresses().toList()) {
                if (address instanceof Inet4Address && !address.isLoopbackAddress()) {
                    addresses.add(address.getHostAddress());
                }
            }
        }
        return addresses;
    }
}
