package dev.quiver.admission.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * An HTTP/1.1 request written byte for byte on a socket, for what HTTP clients will not send: a path with dot
 * segments as it is, or a body that is announced and then not sent. The socket stays open (the rest of the body may
 * follow) until {@link #close()}.
 */
final class RawRequest implements AutoCloseable {

    private final Socket socket;

    private RawRequest(Socket socket) {
        this.socket = socket;
    }

    /** Sends the head ({@code Host} and {@code Connection: close} are added) and the first bytes of the body. */
    static RawRequest send(int port, String head, byte[] bodyStart) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        OutputStream out = socket.getOutputStream();
        out.write((head + "\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(bodyStart);
        out.flush();
        return new RawRequest(socket);
    }

    void sendMore(byte[] body) throws IOException {
        socket.getOutputStream().write(body);
        socket.getOutputStream().flush();
    }

    /** The status code of the answer, read within {@code timeout}. */
    int status(Duration timeout) throws IOException {
        return Integer.parseInt(response(timeout).substring(9, 12));
    }

    /**
     * The answer as text, read within {@code timeout}: status line, headers and the body of its Content-Length. It
     * may come while the request's body is still unsent, so the end of the stream is not waited for.
     */
    String response(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        int headEnd = -1;
        while (headEnd < 0) {
            int next = in.read();
            if (next < 0) {
                throw new IOException("the connection closed after " + received.size() + " bytes of an answer");
            }
            received.write(next);
            headEnd = received.toString(StandardCharsets.ISO_8859_1).indexOf("\r\n\r\n");
        }
        String head = received.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    /** Whether the server closes the connection within {@code timeout}, nothing more being sent. */
    boolean closed(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        try {
            return socket.getInputStream().read() < 0;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
