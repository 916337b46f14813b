package dev.quiver.inference.events;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The spans the application finishes, kept in memory for the tests to read: a span exporter bean, which Quarkus's
 * OpenTelemetry exports to when the SDK is on (a test profile turns it on; the default keeps it off).
 */
@ApplicationScoped
public class SpansInMemory {

    @Produces
    @Singleton
    InMemorySpanExporter spans() {
        return InMemorySpanExporter.create();
    }
}
