package dev.quiver.testservices;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** A server's host and port. */
public record Address(String host, int port) {

    private static final int CONNECT_TIMEOUT_MILLIS = 1000;

    /** Whether something accepts a connection there within a second. */
    public boolean answers() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MILLIS);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A port of the loopback interface that nothing listens on now. */
    static Address freeLoopback() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return new Address("127.0.0.1", socket.getLocalPort());
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on the loopback interface", e);
        }
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
