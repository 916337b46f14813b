package dev.quiver.testservices;

import java.io.IOException;
import java.io.UncheckedIOException;
import redis.embedded.RedisServer;

/**
 * The Redis server of the test run: the one at {@value ServiceSettings#REDIS_URI} when it answers, otherwise a real
 * redis-server (the binaries bundled in codemonstur's embedded-redis on Maven Central) started once per JVM on a free
 * loopback port, without persistence, and stopped when the JVM exits. Tests keep apart by their keys.
 */
public final class TestRedis {

    private static final int ATTEMPTS = 3;
    private static TestRedis shared;

    private final String uri;

    private TestRedis(String uri) {
        this.uri = uri;
    }

    /** The server of this JVM's tests, started at the first call when there is none to use. */
    public static synchronized TestRedis shared() {
        if (shared == null) {
            shared = start(ServiceSettings.current());
        }
        return shared;
    }

    static TestRedis start(ServiceSettings settings) {
        Address configured = settings.redisAddress();
        if (settings.useConfigured("Redis", ServiceSettings.REDIS_URI, configured)) {
            ServiceReport.say("using the Redis at %s", settings.redisUri());
            return new TestRedis(settings.redisUri().toString());
        }
        return new TestRedis(JvmWide.once("dev.quiver.testservices.redis", () -> startEmbedded(configured)));
    }

    private static String startEmbedded(Address configured) {
        IOException failure = null;
        // the free port is chosen before redis-server binds it, so another process may take it in between
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Address address = Address.freeLoopback();
            try {
                RedisServer server = RedisServer.newRedisServer().bind(address.host()).port(address.port())
                        .setting("save \"\"").setting("appendonly no").onShutdownForceStop(true).build();
                server.start();
                String uri = "redis://" + address;
                ServiceReport.say("no Redis to use at %s: started one at %s", configured, uri);
                return uri;
            } catch (IOException e) {
                failure = e;
            }
        }
        throw new UncheckedIOException("cannot start an embedded Redis for the tests", failure);
    }

    /** The server's URI, {@code redis://host:port}. */
    public String uri() {
        return uri;
    }
}
