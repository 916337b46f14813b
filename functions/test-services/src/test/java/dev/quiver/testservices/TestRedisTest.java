package dev.quiver.testservices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which Redis the tests get: the configured one when something answers there, else a redis-server of their own. */
class TestRedisTest {

    @Test
    void theConfiguredAddressIsUsedWhenSomethingAnswersThere() throws IOException {
        try (ServerSocket listening = new ServerSocket(0)) {
            String configured = "redis://127.0.0.1:" + listening.getLocalPort();
            assertThat(TestRedis.start(settings("auto", configured)).uri()).isEqualTo(configured);
        }
    }

    @Test
    void aRealRedisIsStartedWhenNothingAnswersAtTheConfiguredAddress() throws IOException {
        String configured = "redis://127.0.0.1:" + Address.freeLoopback().port();
        TestRedis redis = TestRedis.start(settings("auto", configured));
        assertThat(redis.uri()).isNotEqualTo(configured);
        assertThat(ping(URI.create(redis.uri()))).isEqualTo("+PONG");
    }

    @Test
    void embeddedStartsOneEvenWhenTheConfiguredOneAnswers() throws IOException {
        try (ServerSocket listening = new ServerSocket(0)) {
            String configured = "redis://127.0.0.1:" + listening.getLocalPort();
            TestRedis redis = TestRedis.start(settings("embedded", configured));
            assertThat(redis.uri()).isNotEqualTo(configured);
            assertThat(ping(URI.create(redis.uri()))).isEqualTo("+PONG");
        }
    }

    @Test
    void externalRefusesToStartOneWhenNothingAnswers() {
        String configured = "redis://127.0.0.1:" + Address.freeLoopback().port();
        assertThatThrownBy(() -> TestRedis.start(settings("external", configured)))
                .hasMessageContaining("no Redis answers at 127.0.0.1:")
                .hasMessageContaining("(quiver.test.redis.uri), and quiver.test.services=external forbids");
    }

    @Test
    void aClassLoaderOfItsOwnGetsTheServerAlreadyStartedInTheJvm() throws Exception {
        String before = System.getProperty(ServiceSettings.CHOICE);
        System.setProperty(ServiceSettings.CHOICE, "embedded");
        URL[] classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(entry -> toUrl(Path.of(entry))).toArray(URL[]::new);
        // as Quarkus tests do: the same classes loaded again, with static fields of their own
        try (URLClassLoader quarkusLike = new URLClassLoader(classPath, ClassLoader.getPlatformClassLoader())) {
            Class<?> again = quarkusLike.loadClass(TestRedis.class.getName());
            assertThat(again).isNotSameAs(TestRedis.class);
            Object redis = again.getMethod("shared").invoke(null);
            assertThat(again.getMethod("uri").invoke(redis)).isEqualTo(TestRedis.shared().uri());
        } finally {
            if (before == null) {
                System.clearProperty(ServiceSettings.CHOICE);
            } else {
                System.setProperty(ServiceSettings.CHOICE, before);
            }
        }
    }

    private static URL toUrl(Path entry) {
        try {
            return entry.toUri().toURL();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ServiceSettings settings(String choice, String redis) {
        return ServiceSettingsTest.settings(Map.of("quiver.test.services", choice, "quiver.test.redis.uri", redis),
                Map.of());
    }

    /** Redis's answer to PING, in its wire protocol. */
    private static String ping(URI redis) throws IOException {
        try (Socket socket = new Socket(redis.getHost(), redis.getPort())) {
            socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c != '\r' && c >= 0; c = in.read()) {
                line.append((char) c);
            }
            return line.toString();
        }
    }
}
