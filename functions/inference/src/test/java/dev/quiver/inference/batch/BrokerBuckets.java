package dev.quiver.inference.batch;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * {@link S3Buckets} with a broker: {@code quiver.batch.sink} points at a stand-in that takes every event it is sent
 * (202) and keeps it, headers and body, for the test to deliver as the broker's Trigger would.
 */
public class BrokerBuckets extends S3Buckets {

    /** An event as the broker took it. */
    record Sent(Map<String, List<String>> headers, byte[] body) {

        String header(String name) {
            return headers.entrySet().stream().filter(entry -> entry.getKey().equalsIgnoreCase(name))
                    .map(entry -> entry.getValue().getFirst()).findFirst().orElse(null);
        }
    }

    static final BlockingQueue<Sent> SENT = new LinkedBlockingQueue<>();

    private HttpServer broker;

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>(super.start());
        try {
            broker = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        broker.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                SENT.add(new Sent(Map.copyOf(exchange.getRequestHeaders()), in.readAllBytes()));
            }
            exchange.sendResponseHeaders(202, -1);
            exchange.close();
        });
        broker.start();
        config.put("quiver.batch.sink", "http://127.0.0.1:" + broker.getAddress().getPort() + "/");
        return config;
    }

    @Override
    public void stop() {
        broker.stop(0);
        super.stop();
    }
}
