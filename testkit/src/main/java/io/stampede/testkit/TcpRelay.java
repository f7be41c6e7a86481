package io.stampede.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay on a loopback port that forwards to a target, and can be cut: for tests that
 * partition a network link without a packet filter. Cutting closes every relayed connection and
 * refuses new ones until {@link #restore()}.
 */
public final class TcpRelay implements AutoCloseable {

    private final ServerSocket server;
    private final int targetPort;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile boolean cut;
    private volatile boolean closed;

    private TcpRelay(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "relay-" + server.getLocalPort() + "-to-" + targetPort);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A relay to {@code 127.0.0.1:targetPort}. */
    public static TcpRelay to(int targetPort) throws IOException {
        return new TcpRelay(targetPort);
    }

    /** The port to connect to instead of the target. */
    public int port() {
        return server.getLocalPort();
    }

    /** Drops every relayed connection and refuses new ones. */
    public void cut() {
        cut = true;
        open.forEach(TcpRelay::quietlyClose);
        open.clear();
    }

    /** Relays again. */
    public void restore() {
        cut = false;
    }

    @Override
    public void close() {
        closed = true;
        cut();
        quietlyClose(server);
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                if (cut) {
                    client.close();
                    continue;
                }
                Socket upstream = new Socket();
                try {
                    upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 2_000);
                } catch (IOException e) {
                    client.close();
                    upstream.close();
                    continue;
                }
                open.add(client);
                open.add(upstream);
                pump(client, upstream);
                pump(upstream, client);
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, read);
                    out.flush();
                }
            } catch (IOException e) {
                // The link was cut or closed.
            } finally {
                quietlyClose(from);
                quietlyClose(to);
                open.remove(from);
                open.remove(to);
            }
        }, "relay-pump");
        thread.setDaemon(true);
        thread.start();
    }

    private static void quietlyClose(java.io.Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException e) {
            // Closing anyway.
        }
    }
}
