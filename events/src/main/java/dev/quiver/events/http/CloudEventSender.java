package dev.quiver.events.http;

import dev.quiver.events.tracing.EventTracing;
import io.cloudevents.CloudEvent;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Posts CloudEvents in binary mode with the JDK's HTTP client, the way every Quiver producer sends them to a broker or
 * a function; the answer (perhaps a reply event, read with {@link CloudEventHttp#read(HttpResponse)}) is returned as
 * it came. Each send is a span ({@link EventTracing#startSend}) whose context the event carries in its {@code
 * traceparent} and {@code tracestate} attributes and the request in its W3C headers of the same names.
 */
public final class CloudEventSender {

    private static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");

    private final HttpClient http;
    private final EventTracing tracing;

    public CloudEventSender(HttpClient http, EventTracing tracing) {
        this.http = http;
        this.tracing = tracing;
    }

    /** Sends {@code event} and waits for the answer, for at most {@code timeout}. */
    public HttpResponse<byte[]> send(URI target, CloudEvent event, Duration timeout)
            throws IOException, InterruptedException {
        Span span = tracing.startSend(event, target);
        try (Scope ignored = span.makeCurrent()) {
            HttpRequest.Builder request = HttpRequest.newBuilder(target).timeout(timeout);
            CloudEventHttp.write(EventTracing.carrying(event, span), CloudEventHttp.Mode.BINARY, request::header,
                    body -> request.POST(body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body)));
            EventTracing.headersOf(span).forEach(request::header);
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            span.setAttribute(STATUS, response.statusCode());
            if (response.statusCode() >= 400) {
                span.setStatus(StatusCode.ERROR, "HTTP " + response.statusCode());
            }
            return response;
        } catch (IOException | RuntimeException e) {
            span.recordException(e);
            span.setStatus(StatusCode.ERROR, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            throw e;
        } finally {
            span.end();
        }
    }
}
