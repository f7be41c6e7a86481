package io.stampede.cluster.transport;

import io.stampede.cluster.membership.SwimConfig;
import io.stampede.cluster.net.HostPort;
import io.stampede.model.NodeRole;
import java.io.IOException;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A member in a process of its own, for tests that kill it: {@code <id> <port> <cluster id> <seed>}.
 * Prints {@code ready} once bound and exits when its standard input closes (its parent is gone).
 */
public final class MembershipChild {

    private MembershipChild() {
    }

    public static void main(String[] args) throws IOException {
        UdpMembership membership = UdpMembership.start(new UdpMembership.Settings(args[0], NodeRole.MANAGER, "dc1",
                "127.0.0.1", "127.0.0.1", Integer.parseInt(args[1]), args[2], null, List.of(HostPort.parse(args[3])),
                SwimConfig.defaults()), () -> System.nanoTime() / 1_000_000, new SplittableRandom());
        System.out.println("ready " + membership.self().address());
        System.out.flush();
        while (System.in.read() >= 0) {
            // Wait for the parent to go away.
        }
        System.exit(0);
    }
}
