package dev.quiver.admission.audit;

import dev.quiver.events.EventCodec;
import dev.quiver.events.EventTypes;
import dev.quiver.events.admission.CallerUsageEntry;
import dev.quiver.events.admission.UsageReported;
import dev.quiver.events.http.CloudEventHttp;
import io.cloudevents.CloudEvent;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Every report interval, closes the usage window and emits it as a {@code dev.quiver.admission.usage.reported}
 * CloudEvent: posted to the sink (Knative's {@code K_SINK}, or {@code quiver.admission.audit.sink}) when there is
 * one, else written to the log as one line. An empty window is not reported.
 */
public final class UsageReporter {

    private static final Logger LOG = Logger.getLogger(UsageReporter.class);

    private final UsageLedger ledger;
    private final EventCodec codec;
    private final String service;
    private final String replica;
    private final Optional<URI> sink;
    private final HttpClient http;

    public UsageReporter(UsageLedger ledger, EventCodec codec, String service, String replica, Optional<URI> sink,
                         HttpClient http) {
        this.ledger = ledger;
        this.codec = codec;
        this.service = service;
        this.replica = replica;
        this.sink = sink;
        this.http = http;
    }

    public void report() {
        UsageLedger.Report report = ledger.drain();
        if (report.callers().isEmpty()) {
            return;
        }
        UsageReported payload = new UsageReported(service, replica, report.from().toString(),
                report.to().toString(), report.callers().stream().map(UsageReporter::entry).toList());
        CloudEvent event = codec.encode(EventTypes.ADMISSION_USAGE_REPORTED, URI.create("/quiver/" + service),
                payload, Map.of());
        Map<String, String> headers = new LinkedHashMap<>();
        Buffer body = Buffer.buffer();
        CloudEventHttp.write(event, CloudEventHttp.Mode.STRUCTURED, headers::put, body::appendBytes);
        if (sink.isEmpty()) {
            LOG.infof("admission usage: %s", body.toString(StandardCharsets.UTF_8));
            return;
        }
        URI target = sink.get();
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(target.toString());
        headers.forEach(options::putHeader);
        http.request(options)
                .compose(request -> request.send(body))
                .onSuccess(response -> {
                    if (response.statusCode() >= 300) {
                        LOG.warnf("admission usage report %s: sink %s answered %d", event.getId(), target,
                                response.statusCode());
                    }
                })
                .onFailure(failure -> LOG.warnf("admission usage report %s: sink %s unreachable: %s",
                        event.getId(), target, failure.getMessage()));
    }

    private static CallerUsageEntry entry(CallerUsage usage) {
        return new CallerUsageEntry(usage.caller(), usage.kind(), usage.plan(), usage.requests(), usage.admitted(),
                usage.queued(), usage.limited(), usage.rejected(), usage.timedOut(), usage.shed());
    }
}
