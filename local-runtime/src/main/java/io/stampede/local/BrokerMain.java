package io.stampede.local;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Entry point of the broker JVM: formats the storage directory if it is new, then runs Kafka.
 *
 * <p>With {@code -Dstampede.broker.exit-with-parent=true} the broker exits when its standard input
 * closes, which happens when the process that started it dies, even by SIGKILL. Tests use this so a
 * crashed test run never leaves a broker behind.
 */
public final class BrokerMain {

    /** The environment variable holding {@code user:password} of the SCRAM user to make, if any. */
    static final String SCRAM_USER = "STAMPEDE_BROKER_SCRAM_USER";

    private BrokerMain() {
    }

    /**
     * @param args the cluster id, then the path of server.properties
     */
    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: BrokerMain <cluster-id> <server.properties>");
            System.exit(2);
        }
        if (Boolean.getBoolean("stampede.broker.exit-with-parent")) {
            exitWhenInputCloses(System.in);
        }
        // "--cluster-id=<id>", not "-t <id>": an id may begin with "-", which the tool would read as an option.
        List<String> format = new ArrayList<>(List.of("format", "--ignore-formatted", "--cluster-id=" + args[0],
                "--config=" + args[1]));
        String scram = System.getenv(SCRAM_USER);
        if (scram != null && scram.contains(":")) {
            // In this process, never on its command line.
            int colon = scram.indexOf(':');
            format.addAll(List.of("--add-scram", "SCRAM-SHA-256=[name=" + scram.substring(0, colon) + ",password="
                    + scram.substring(colon + 1) + "]"));
        }
        int formatted = kafka.tools.StorageTool.execute(format.toArray(String[]::new), System.out);
        if (formatted != 0) {
            System.err.println("formatting the broker's storage failed with code " + formatted);
            System.exit(formatted);
        }
        kafka.Kafka.main(new String[] {args[1]});
    }

    private static void exitWhenInputCloses(InputStream input) {
        Thread watcher = new Thread(() -> {
            byte[] buffer = new byte[64];
            try {
                while (input.read(buffer) >= 0) {
                    // Nothing is ever written; we only wait for end of stream.
                }
            } catch (IOException e) {
                // A broken pipe means the parent is gone, as end of stream does.
            }
            System.err.println("the process that started this broker is gone; stopping");
            System.exit(0);
        }, "parent-watch");
        watcher.setDaemon(true);
        watcher.start();
    }
}
