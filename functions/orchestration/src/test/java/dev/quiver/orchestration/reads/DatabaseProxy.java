package dev.quiver.orchestration.reads;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A TCP proxy in front of the tests' PostgreSQL that a test can take down, the way a replica sees its database go
 * away: down, it closes every connection it carries and refuses new ones; up, it carries them again.
 */
final class DatabaseProxy implements AutoCloseable {

    private final Vertx vertx = Vertx.vertx();
    private final NetServer server;
    private final NetClient upstream;
    private final String host;
    private final int port;
    private final Set<NetSocket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean up = true;

    /** @param jdbcUrl the server's {@code jdbc:postgresql://host:port/...} URL */
    DatabaseProxy(String jdbcUrl) throws Exception {
        URI server = URI.create(jdbcUrl.substring("jdbc:".length()));
        this.host = server.getHost();
        this.port = server.getPort() < 0 ? 5432 : server.getPort();
        this.upstream = vertx.createNetClient();
        this.server = vertx.createNetServer().connectHandler(this::accept).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** {@code jdbcUrl} with this proxy in place of the server. */
    String through(String jdbcUrl) {
        return jdbcUrl.replaceFirst("//[^/]+/", "//127.0.0.1:" + server.actualPort() + "/");
    }

    void up(boolean up) {
        this.up = up;
        if (!up) {
            open.forEach(NetSocket::close);
        }
    }

    private void accept(NetSocket client) {
        if (!up) {
            client.close();
            return;
        }
        client.pause();
        upstream.connect(port, host).onComplete(connected -> {
            if (connected.failed() || !up) {
                client.close();
                return;
            }
            NetSocket database = connected.result();
            open.add(client);
            open.add(database);
            client.closeHandler(ignored -> {
                open.remove(client);
                database.close();
            });
            database.closeHandler(ignored -> {
                open.remove(database);
                client.close();
            });
            client.handler(database::write);
            database.handler(client::write);
            client.resume();
        });
    }

    @Override
    public void close() throws Exception {
        server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
