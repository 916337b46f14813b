package dev.quiver.admission.limit;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A TCP proxy in front of the real Redis that a test can make unreachable (it closes every connection it accepts),
 * reachable, or slow to open connections (it holds a new connection's first bytes back), the way a replica sees Redis
 * across a network at start.
 */
final class RedisProxy implements AutoCloseable {

    private final Vertx vertx;
    private final NetServer server;
    private final NetClient upstream;
    private volatile boolean reachable;
    private volatile Duration openingDelay = Duration.ZERO;

    RedisProxy(Vertx vertx, String redisHost, int redisPort) throws Exception {
        this.vertx = vertx;
        this.upstream = vertx.createNetClient();
        this.server = vertx.createNetServer().connectHandler(client -> accept(client, redisHost, redisPort))
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    String uri() {
        return "redis://127.0.0.1:" + server.actualPort();
    }

    void reachable(boolean reachable) {
        this.reachable = reachable;
    }

    /** Every new connection's bytes are held back this long, as a cold client and a busy server make a handshake. */
    void openingDelay(Duration delay) {
        this.openingDelay = delay;
    }

    private void accept(NetSocket client, String redisHost, int redisPort) {
        if (!reachable) {
            client.close();
            return;
        }
        client.pause();
        long delay = Math.max(1, openingDelay.toMillis());
        vertx.setTimer(delay, id -> upstream.connect(redisPort, redisHost).onComplete(connected -> {
            if (connected.failed()) {
                client.close();
                return;
            }
            NetSocket redis = connected.result();
            client.pipeTo(redis);
            redis.pipeTo(client);
            client.resume();
        }));
    }

    @Override
    public void close() throws Exception {
        server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        upstream.close();
    }
}
