package dev.quiver.loadtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The relay that puts a network between a benchmark and PostgreSQL: every byte through, in order, each way late. */
class DelayedRelayTest {

    @Test
    void bytesGoBothWaysIntactAndInOrderEachWayHeldForTheDelay() throws Exception {
        Duration delay = Duration.ofMillis(50);
        try (ServerSocket echo = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread.ofPlatform().daemon().start(() -> echo(echo));
            try (DelayedRelay relay = new DelayedRelay("127.0.0.1", echo.getLocalPort(), delay);
                 Socket client = new Socket(InetAddress.getLoopbackAddress(), relay.port())) {
                OutputStream out = client.getOutputStream();
                InputStream in = client.getInputStream();

                long start = System.nanoTime();
                out.write("ping".getBytes());
                assertThat(in.readNBytes(4)).isEqualTo("ping".getBytes());
                assertThat(Duration.ofNanos(System.nanoTime() - start)).as("a round trip: held once each way")
                        .isGreaterThanOrEqualTo(delay.multipliedBy(2));

                byte[] sent = new byte[1 << 20];
                new Random(7).nextBytes(sent);
                Thread.ofPlatform().daemon().start(() -> {
                    try {
                        for (int at = 0; at < sent.length; at += 1000) {
                            out.write(sent, at, Math.min(1000, sent.length - at));
                        }
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                });
                assertThat(in.readNBytes(sent.length)).as("a megabyte in a thousand writes, back in order")
                        .isEqualTo(sent);
            }
        }
    }

    private static void echo(ServerSocket server) {
        try (Socket socket = server.accept()) {
            socket.getInputStream().transferTo(socket.getOutputStream());
        } catch (IOException e) {
            // the test is over
        }
    }
}
