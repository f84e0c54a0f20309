package io.polarerasure;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP forwarder on loopback between a child process and PostgreSQL, which a test can cut: every open
 * connection is closed and new ones are refused, as when the network to the database goes away.
 */
final class DatabaseLink implements AutoCloseable {

    private final ServerSocket server;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final int targetPort;

    DatabaseLink(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "database-link");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The JDBC URL through this link, for a URL of the local PostgreSQL. */
    String url(String jdbcUrl) {
        return jdbcUrl.replace("127.0.0.1:" + targetPort, "127.0.0.1:" + server.getLocalPort());
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket database = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                sockets.add(client);
                sockets.add(database);
                pump(client, database);
                pump(database, client);
            } catch (IOException e) {
                return; // cut
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread thread = new Thread(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException ignored) {
                // cut, or one side closed
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "database-link-pump");
        thread.setDaemon(true);
        thread.start();
    }

    /** Closes every connection and refuses new ones. */
    void cut() throws IOException {
        server.close();
        sockets.forEach(DatabaseLink::closeQuietly);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        cut();
    }
}
