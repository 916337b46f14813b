package dev.quiver.deploy.judge;

import dev.quiver.deploy.DeployException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Scrapes {@code /q/metrics} over HTTP; a scale-to-zero revision is woken by the request, hence the long timeout. */
public final class HttpMetricsSource implements MetricsSource {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @Override
    public String scrape(String baseUrl) {
        URI uri = URI.create(baseUrl.replaceAll("/+$", "") + "/q/metrics");
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).GET()
                    .header("Accept", "text/plain").build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new DeployException("metrics at " + uri + ": HTTP " + response.statusCode());
            }
            return response.body();
        } catch (IOException e) {
            throw new DeployException("cannot read the metrics at " + uri + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeployException("interrupted while reading the metrics at " + uri, e);
        }
    }
}
