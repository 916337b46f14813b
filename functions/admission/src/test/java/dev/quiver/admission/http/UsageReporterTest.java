package dev.quiver.admission.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.admission.audit.Outcome;
import dev.quiver.admission.audit.UsageLedger;
import dev.quiver.admission.audit.UsageReporter;
import dev.quiver.admission.identity.Caller;
import dev.quiver.admission.identity.CallerKind;
import dev.quiver.events.EventCodec;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class UsageReporterTest {

    @Test
    void aWindowIsEmittedAsAUsageEventWithoutCredentialsOrFullAddresses() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            CompletableFuture<JsonObject> received = new CompletableFuture<>();
            CompletableFuture<String> contentType = new CompletableFuture<>();
            HttpServer sink = vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
                contentType.complete(request.getHeader("Content-Type"));
                received.complete(body.toJsonObject());
                request.response().setStatusCode(202).end();
            })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            UsageLedger ledger = new UsageLedger(Clock.systemUTC(), 100);
            Caller anonymous = new Caller(CallerKind.ANONYMOUS, "addr:203.0.113.77", "203.0.113.0/24", "anonymous",
                    false);
            Caller keyed = new Caller(CallerKind.API_KEY, "key:0a1b2c3d4e5f", "key:0a1b2c3d4e5f", "standard", false);
            ledger.record(anonymous, Outcome.ADMITTED);
            ledger.record(anonymous, Outcome.LIMITED);
            ledger.record(keyed, Outcome.QUEUED);
            ledger.record(keyed, Outcome.ADMITTED);
            new UsageReporter(ledger, new EventCodec(Clock.systemUTC()), "quiver-inference", "replica-1",
                    Optional.of(URI.create("http://127.0.0.1:" + sink.actualPort() + "/")), vertx.createHttpClient())
                    .report();

            JsonObject event = received.get(10, TimeUnit.SECONDS);
            assertThat(contentType.get()).startsWith("application/cloudevents+json");
            assertThat(event.getString("type")).isEqualTo("dev.quiver.admission.usage.reported");
            assertThat(event.getString("source")).isEqualTo("/quiver/quiver-inference");
            JsonObject data = event.getJsonObject("data");
            assertThat(data.getString("replica")).isEqualTo("replica-1");
            assertThat(data.getJsonArray("callers")).hasSize(2);
            JsonObject first = data.getJsonArray("callers").getJsonObject(0);
            assertThat(first.getString("caller")).isEqualTo("203.0.113.0/24");
            assertThat(first.getLong("requests")).isEqualTo(2);
            assertThat(first.getLong("limited")).isEqualTo(1);
            assertThat(event.encode()).doesNotContain("203.0.113.77");
            assertThat(ledger.snapshot().callers()).as("the window was closed").isEmpty();
        } finally {
            vertx.close();
        }
    }
}
