package dev.quiver.orchestration.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.quiver.events.EventCatalog;
import dev.quiver.events.EventCodec;
import dev.quiver.events.InvalidEventException;
import dev.quiver.events.http.CloudEventHttp;
import io.cloudevents.CloudEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real HTTP endpoint standing in for the Knative Broker: keeps every binary-mode CloudEvent posted to it, and reads
 * each as any receiver would, with the CloudEvents SDK's HTTP binding and the catalog's codec: what cannot be read as
 * a CloudEvent, or whose data does not decode to its type's record under its schema, is kept as a problem. Posted to
 * {@code /report}, it stands in for a function and answers with a JSON object.
 */
final class EventSink implements AutoCloseable {

    /** One event as received: its {@code ce-*} attributes (without the prefix) and its JSON data. */
    record Received(Map<String, String> attributes, JsonNode data) {

        String type() {
            return attributes.get("type");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final EventCodec CODEC = new EventCodec(Clock.systemUTC());

    private final HttpServer server;
    private final List<Received> events = new CopyOnWriteArrayList<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();

    EventSink() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", exchange -> {
            Map<String, String> attributes = new TreeMap<>();
            exchange.getRequestHeaders().forEach((name, values) -> {
                String lower = name.toLowerCase(Locale.ROOT);
                if (lower.startsWith("ce-")) {
                    attributes.put(lower.substring(3), values.getFirst());
                }
            });
            byte[] body = exchange.getRequestBody().readAllBytes();
            events.add(new Received(attributes, JSON.readTree(body)));
            try {
                CloudEvent event = CloudEventHttp.read(visitor -> exchange.getRequestHeaders().forEach((name, values)
                        -> values.forEach(value -> visitor.accept(name, value))), body).requireJsonData().event();
                EventCatalog.payloadOf(event.getType()).ifPresentOrElse(payload -> CODEC.decode(event, payload),
                        () -> problems.add(event.getType() + ": not a catalog type"));
            } catch (InvalidEventException e) {
                problems.add(attributes.get("type") + " " + attributes.get("id") + ": " + e.getMessage());
            }
            if (exchange.getRequestURI().getPath().endsWith("/report")) {
                // a function answering the step it was sent: its answer becomes the step's outputs
                byte[] answer = "{\"report\":\"written\"}".getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, answer.length);
                exchange.getResponseBody().write(answer);
            } else {
                exchange.sendResponseHeaders(202, -1);
            }
            exchange.close();
        });
        server.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    List<Received> events() {
        return List.copyOf(events);
    }

    /** Each event received that does not read as a catalog CloudEvent, with why. */
    List<String> problems() {
        return List.copyOf(problems);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
