package dev.quiver.admission.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * One connection to Redis for a store that must never make its caller wait for Redis: commands fail fast while Redis
 * is away (no buffering while reconnecting, a command timeout). Opening a connection has its own, longer timeout: the
 * TCP connect and Redis's handshake of a cold JVM take far longer than a command. A connection that could not be made
 * is tried again every {@code reconnectInterval} until it is, whether commands are asked for or not; one that drops
 * later is re-established by Lettuce.
 */
public final class ResilientRedisConnection implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ResilientRedisConnection.class);

    private final RedisClient client;
    private final RedisURI uri;
    private final Duration reconnectInterval;
    private final String user;
    private final Consumer<StatefulRedisConnection<String, String>> opened;
    private volatile StatefulRedisConnection<String, String> connection;
    private volatile boolean closed;
    private volatile boolean reportedFailure;

    /**
     * @param user   what the connection is for, as log lines name it ("rate-limit store")
     * @param opened set-up of each connection made, before any command is sent on it
     */
    public ResilientRedisConnection(String redisUri, Duration commandTimeout, Duration connectTimeout,
                                    Duration reconnectInterval, String user,
                                    Consumer<StatefulRedisConnection<String, String>> opened) {
        this.uri = RedisURI.create(redisUri);
        // the URI's timeout bounds the connect and the handshake; commands have the fixed timeout below
        this.uri.setTimeout(connectTimeout);
        this.reconnectInterval = reconnectInterval;
        this.user = user;
        this.opened = opened;
        this.client = RedisClient.create();
        this.client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(connectTimeout).build())
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                .build());
        connect();
    }

    /** The connection, or null before one could be made. */
    public StatefulRedisConnection<String, String> current() {
        return connection;
    }

    /** The failure of a command asked for before a connection could be made. */
    public IllegalStateException notConnected() {
        return new IllegalStateException("Redis at " + address() + " is not connected");
    }

    /** {@code host:port}, for messages. */
    public String address() {
        return uri.getHost() + ":" + uri.getPort();
    }

    /** One attempt; a failed one schedules the next, so there is one chain of attempts until a connection is made. */
    private void connect() {
        if (closed) {
            return;
        }
        client.connectAsync(StringCodec.UTF8, uri).whenComplete((made, failure) -> {
            if (failure != null) {
                if (!reportedFailure) {
                    reportedFailure = true;
                    LOG.warnf("%s: cannot connect to Redis at %s (%s); trying again every %s", user, address(),
                            failure.getMessage(), reconnectInterval);
                } else {
                    LOG.debugf("%s: still cannot connect to Redis at %s (%s)", user, address(), failure.getMessage());
                }
                if (!closed) {
                    client.getResources().eventExecutorGroup().schedule(this::connect, reconnectInterval.toNanos(),
                            TimeUnit.NANOSECONDS);
                }
                return;
            }
            if (closed) {
                made.close();
                return;
            }
            opened.accept(made);
            connection = made;
            LOG.infof("%s: connected to Redis at %s", user, address());
        });
    }

    @Override
    public void close() {
        closed = true;
        StatefulRedisConnection<String, String> current = connection;
        if (current != null) {
            current.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
