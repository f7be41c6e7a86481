package io.stampede.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

class FreePortsTest {

    @Test
    void portsAreFreeOnEveryInterfaceBelowTheEphemeralRangeAndNeverGivenTwice() throws Exception {
        Set<Integer> given = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            int tcp = FreePorts.tcp();
            int udp = FreePorts.udp();
            assertThat(given.add(tcp)).as("TCP %d given once", tcp).isTrue();
            assertThat(given.add(udp)).as("UDP %d given once", udp).isTrue();
            assertThat(tcp).isBetween(FreePorts.LOWEST, FreePorts.ephemeralStart() - 1);
            assertThat(udp).isBetween(FreePorts.LOWEST, FreePorts.ephemeralStart() - 1);
        }
        int tcp = FreePorts.tcp();
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(tcp));
            assertThat(socket.getLocalPort()).isEqualTo(tcp);
        }
        int udp = FreePorts.udp();
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(udp))) {
            assertThat(socket.getLocalPort()).isEqualTo(udp);
        }
    }
}
