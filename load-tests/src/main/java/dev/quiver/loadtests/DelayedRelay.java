package dev.quiver.loadtests;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP relay in front of the benchmark's PostgreSQL that holds every chunk of bytes for a fixed time on its way, in
 * each direction, so that a round trip to the server costs what it costs across a network, while the server, its
 * disk and the client stay as they are. Bytes keep their order: each direction is one queue, sent as each chunk falls
 * due. Written here because the kernel's network emulation (netem) is not on every machine.
 */
final class DelayedRelay implements AutoCloseable {

    private static final byte[] END = new byte[0];

    private final ServerSocket server;
    private final String host;
    private final int port;
    private final long delayNanos;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();

    /** @param delay how long each chunk is held in each direction: half the round trip it adds */
    DelayedRelay(String host, int port, Duration delay) throws IOException {
        this.server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        this.host = host;
        this.port = port;
        this.delayNanos = delay.toNanos();
        Thread.ofPlatform().daemon().name("relay-accept").start(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(host, port);
                for (Socket socket : new Socket[] {client, upstream}) {
                    socket.setTcpNoDelay(true);
                    sockets.add(socket);
                }
                relay(client, upstream);
                relay(upstream, client);
            } catch (IOException e) {
                if (!server.isClosed()) {
                    System.err.println("relay: a connection failed: " + e.getMessage());
                }
            }
        }
    }

    /** One direction: a thread that reads and holds, and one that sends each chunk once it is due. */
    private void relay(Socket from, Socket to) throws IOException {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        BlockingQueue<Chunk> held = new LinkedBlockingQueue<>();
        Thread.ofPlatform().daemon().name("relay-read").start(() -> {
            byte[] buffer = new byte[64 * 1024];
            try {
                for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                    held.add(new Chunk(System.nanoTime() + delayNanos, Arrays.copyOf(buffer, read)));
                }
            } catch (IOException e) {
                // the connection was closed from the other side or by close(): the chunks read so far still go
            }
            held.add(new Chunk(System.nanoTime() + delayNanos, END));
        });
        Thread.ofPlatform().daemon().name("relay-send").start(() -> {
            try {
                for (Chunk chunk = held.take(); chunk.bytes() != END; chunk = held.take()) {
                    for (long left = chunk.due() - System.nanoTime(); left > 0;
                         left = chunk.due() - System.nanoTime()) {
                        LockSupport.parkNanos(left);
                    }
                    out.write(chunk.bytes());
                }
                to.shutdownOutput();
            } catch (IOException | InterruptedException e) {
                // the other side is gone: nothing is left to send it
            }
        });
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : sockets) {
            socket.close();
        }
    }

    private record Chunk(long due, byte[] bytes) {
    }
}
