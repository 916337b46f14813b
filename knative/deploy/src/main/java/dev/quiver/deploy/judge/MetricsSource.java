package dev.quiver.deploy.judge;

/** Where a revision's Prometheus metrics come from: its tag URL over HTTP, or a fixed text in tests. */
@FunctionalInterface
public interface MetricsSource {

    /** The Prometheus text of {@code baseUrl}/q/metrics. */
    String scrape(String baseUrl);
}
