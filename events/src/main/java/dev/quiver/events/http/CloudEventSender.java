package dev.quiver.events.http;

import io.cloudevents.CloudEvent;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Posts CloudEvents in binary mode with the JDK's HTTP client, the way every Quiver producer sends them to a broker or
 * a function; the answer (perhaps a reply event, read with {@link CloudEventHttp#read(HttpResponse)}) is returned as
 * it came.
 */
public final class CloudEventSender {

    private final HttpClient http;

    public CloudEventSender(HttpClient http) {
        this.http = http;
    }

    /** Sends {@code event} and waits for the answer, for at most {@code timeout}. */
    public HttpResponse<byte[]> send(URI target, CloudEvent event, Duration timeout)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(target).timeout(timeout);
        CloudEventHttp.write(event, CloudEventHttp.Mode.BINARY, request::header, body -> request.POST(body == null
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body)));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
