package dev.quiver.testservices;

import java.net.URI;
import org.gaul.s3proxy.junit.S3ProxyJunitCore;

/**
 * The S3-compatible server of the test run: S3Proxy from its jar on Maven Central, in the test JVM on a free port with
 * signed requests, started once per JVM and stopped when it exits. No configured server is looked for: a developer
 * machine has none to prefer. Tests keep apart in buckets of their own, which they create.
 */
public final class TestS3 {

    private static final String ACCESS_KEY = "quiver";
    private static final String SECRET_KEY = "quiver-secret";
    private static TestS3 shared;

    private final URI uri;

    private TestS3(URI uri) {
        this.uri = uri;
    }

    /** The server of this JVM's tests, started at the first call. */
    public static synchronized TestS3 shared() {
        if (shared == null) {
            shared = new TestS3(URI.create(JvmWide.once("dev.quiver.testservices.s3", TestS3::start)));
        }
        return shared;
    }

    private static String start() {
        S3ProxyJunitCore server = new S3ProxyJunitCore.Builder().withCredentials(ACCESS_KEY, SECRET_KEY).build();
        try {
            server.beforeEach();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start S3Proxy for the tests", e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::afterEach, "test-s3-stop"));
        ServiceReport.say("started an S3-compatible server (S3Proxy) at %s", server.getUri());
        return server.getUri().toString();
    }

    /** The endpoint, for path-style requests. */
    public URI uri() {
        return uri;
    }

    public String accessKey() {
        return ACCESS_KEY;
    }

    public String secretKey() {
        return SECRET_KEY;
    }
}
