package dev.quiver.events.tracing;

import dev.quiver.events.CorrelationExtensions;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.core.extensions.DistributedTracingExtension;
import io.cloudevents.core.provider.ExtensionProvider;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.net.URI;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Traces across CloudEvents, by the CloudEvents distributed-tracing extension: every event Quiver sends carries the
 * W3C trace context of the span that sent it in its {@code traceparent} and {@code tracestate} attributes, and every
 * event Quiver takes is processed in a span that continues that context, so that one trace follows a notification to
 * its shards and predictions and a run to its steps, whatever broker sits between them.
 *
 * <p>The spans are made with the OpenTelemetry of the application ({@code quarkus-opentelemetry} hands it over). While
 * tracing is off ({@link #on}) they are made with the no-op API instead: no span is made and an event only passes on
 * the context it came with, so tracing costs an event next to nothing when it is off.
 */
public final class EventTracing {

    /** The name the spans of this library are recorded under. */
    public static final String INSTRUMENTATION = "dev.quiver.events";

    static final AttributeKey<String> EVENT_ID = AttributeKey.stringKey("cloudevents.event_id");
    static final AttributeKey<String> EVENT_TYPE = AttributeKey.stringKey("cloudevents.event_type");
    static final AttributeKey<String> EVENT_SOURCE = AttributeKey.stringKey("cloudevents.event_source");
    static final AttributeKey<String> EVENT_SUBJECT = AttributeKey.stringKey("cloudevents.event_subject");
    static final AttributeKey<String> RUN_ID = AttributeKey.stringKey("quiver.run_id");
    static final AttributeKey<String> STEP_ID = AttributeKey.stringKey("quiver.step_id");
    static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("server.address");
    static final AttributeKey<Long> BATCH_SIZE = AttributeKey.longKey("messaging.batch.message_count");

    private static final EventTracing OFF = new EventTracing(OpenTelemetry.noop());

    private static final TextMapGetter<Map<String, String>> FROM_MAP = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private final Tracer tracer;

    public EventTracing(OpenTelemetry openTelemetry) {
        this.tracer = openTelemetry.getTracer(INSTRUMENTATION);
    }

    /**
     * Tracing on the application's OpenTelemetry, or off. Quarkus's OpenTelemetry with its SDK disabled still makes
     * spans (with ids, exported nowhere); off, not even those are made.
     *
     * @param off whether tracing is off ({@code quarkus.otel.sdk.disabled})
     */
    public static EventTracing on(OpenTelemetry openTelemetry, boolean off) {
        return off ? OFF : new EventTracing(openTelemetry);
    }

    /** Tracing that records nothing, where an application has no OpenTelemetry (a command-line tool, a unit test). */
    public static EventTracing off() {
        return OFF;
    }

    /**
     * Starts the span that sends {@code event} ({@link SpanKind#PRODUCER}, named {@code send <type>}): a child of the
     * context the event already carries (an event stored to be sent later, such as an outbox row, keeps the context
     * of the transaction that decided it) or else of the current context. Make it current and send {@link
     * #carrying(CloudEvent, Span)} the event.
     */
    public Span startSend(CloudEvent event, URI target) {
        SpanBuilder span = tracer.spanBuilder("send " + event.getType())
                .setSpanKind(SpanKind.PRODUCER)
                .setParent(carried(event).orElse(Context.current()))
                .setAttribute(DESTINATION, target.getHost() == null ? target.toString() : target.getHost());
        return describe(span, event).startSpan();
    }

    /**
     * Starts the span that processes a received {@code event} ({@link SpanKind#CONSUMER}, named {@code process
     * <type>}). Its parent is the context the event carries; when the request that brought the event is already in
     * that trace (the sender's HTTP headers said so), it nests under the request's span instead, and when the request
     * is in another trace (a broker that traces its own hops), it links to it. Without a carried context it is a child
     * of the current context. The caller makes it current while the event is handled and ends it.
     */
    public Span startProcess(CloudEvent event) {
        Context current = Context.current();
        SpanContext request = Span.fromContext(current).getSpanContext();
        SpanBuilder span = tracer.spanBuilder("process " + event.getType()).setSpanKind(SpanKind.CONSUMER);
        Context carried = carried(event).orElse(null);
        if (carried == null) {
            span.setParent(current);
        } else {
            SpanContext sender = Span.fromContext(carried).getSpanContext();
            if (request.isValid() && request.getTraceId().equals(sender.getTraceId())) {
                span.setParent(current);
            } else {
                span.setParent(carried);
                if (request.isValid()) {
                    span.addLink(request);
                }
            }
        }
        return describe(span, event).startSpan();
    }

    /**
     * Starts the span that processes a batch of received events ({@code application/cloudevents-batch+json};
     * {@link SpanKind#CONSUMER}, named {@code process <type>} when they share a type, else {@code process batch}): a
     * child of the current context (the request that brought them), linked to the context each event carries, since
     * the events of one batch may come from as many traces. A batch of one is processed as its event is
     * ({@link #startProcess(CloudEvent)}). The caller makes it current while the batch is handled and ends it.
     */
    public Span startProcess(List<CloudEvent> events) {
        if (events.size() == 1) {
            return startProcess(events.getFirst());
        }
        List<String> types = events.stream().map(CloudEvent::getType).distinct().toList();
        SpanBuilder span = tracer.spanBuilder(types.size() == 1 ? "process " + types.getFirst() : "process batch")
                .setSpanKind(SpanKind.CONSUMER).setParent(Context.current())
                .setAttribute(BATCH_SIZE, (long) events.size());
        if (types.size() == 1) {
            span.setAttribute(EVENT_TYPE, types.getFirst());
        }
        for (CloudEvent event : events) {
            carried(event).ifPresent(context -> span.addLink(Span.fromContext(context).getSpanContext()));
        }
        return span.startSpan();
    }

    /**
     * Starts the span that processes an event stored to be sent later and delivered inside the function that stored
     * it (embedded mode's outbox): a child of the context stored with it, or of the current one when none was.
     *
     * @param traceContext as {@link #currentContext()} returned it when the event was stored
     */
    public Span startProcess(String type, Map<String, String> traceContext) {
        Context stored = traceContext.isEmpty() ? Context.current()
                : W3CTraceContextPropagator.getInstance().extract(Context.root(), traceContext, FROM_MAP);
        return tracer.spanBuilder("process " + type).setSpanKind(SpanKind.CONSUMER).setParent(stored)
                .setAttribute(EVENT_TYPE, type).startSpan();
    }

    /**
     * {@code event} carrying the context of {@code span} in its {@code traceparent} and {@code tracestate}
     * attributes; the event as it is when the span belongs to no trace (tracing off and no context to pass on).
     */
    public static CloudEvent carrying(CloudEvent event, Span span) {
        Map<String, String> context = contextOf(Context.root().with(span));
        if (context.isEmpty()) {
            return event;
        }
        DistributedTracingExtension tracing = new DistributedTracingExtension();
        tracing.setTraceparent(context.get(DistributedTracingExtension.TRACEPARENT));
        tracing.setTracestate(context.get(DistributedTracingExtension.TRACESTATE));
        CloudEventBuilder builder = CloudEventBuilder.from(event).withExtension(tracing);
        if (tracing.getTracestate() == null && event.getExtension(DistributedTracingExtension.TRACESTATE) != null) {
            builder.withoutExtension(DistributedTracingExtension.TRACESTATE);
        }
        return builder.build();
    }

    /**
     * The current trace context as the attributes an event carries it in ({@code traceparent}, and {@code
     * tracestate} when there is one): what an outbox keeps with an event it sends later. Empty outside a trace.
     */
    public static Map<String, String> currentContext() {
        return contextOf(Context.current());
    }

    /** The trace context as W3C headers ({@code traceparent}, {@code tracestate}), to put on an HTTP request. */
    public static Map<String, String> headersOf(Span span) {
        return contextOf(Context.root().with(span));
    }

    private static Map<String, String> contextOf(Context context) {
        if (!Span.fromContext(context).getSpanContext().isValid()) {
            return Map.of();
        }
        Map<String, String> carrier = new HashMap<>(4);
        W3CTraceContextPropagator.getInstance().inject(context, carrier, Map::put);
        return Collections.unmodifiableMap(carrier);
    }

    /** The context {@code event} carries, if its {@code traceparent} is one. */
    private static Optional<Context> carried(CloudEvent event) {
        if (event.getExtension(DistributedTracingExtension.TRACEPARENT) == null) {
            return Optional.empty();
        }
        DistributedTracingExtension tracing = ExtensionProvider.getInstance()
                .parseExtension(DistributedTracingExtension.class, event);
        if (tracing == null || tracing.getTraceparent() == null) {
            return Optional.empty();
        }
        Map<String, String> carrier = new HashMap<>(4);
        carrier.put(DistributedTracingExtension.TRACEPARENT, tracing.getTraceparent());
        if (tracing.getTracestate() != null) {
            carrier.put(DistributedTracingExtension.TRACESTATE, tracing.getTracestate());
        }
        Context context = W3CTraceContextPropagator.getInstance().extract(Context.root(), carrier, FROM_MAP);
        // a malformed traceparent is ignored, as the W3C rules say: the event is processed in a trace of its own
        return Span.fromContext(context).getSpanContext().isValid() ? Optional.of(context)
                : Optional.empty();
    }

    private static SpanBuilder describe(SpanBuilder span, CloudEvent event) {
        span.setAttribute(EVENT_ID, event.getId())
                .setAttribute(EVENT_TYPE, event.getType())
                .setAttribute(EVENT_SOURCE, event.getSource().toString());
        if (event.getSubject() != null) {
            span.setAttribute(EVENT_SUBJECT, event.getSubject());
        }
        if (event.getExtension(CorrelationExtensions.RUN_ID) instanceof Object run) {
            span.setAttribute(RUN_ID, run.toString());
        }
        if (event.getExtension(CorrelationExtensions.STEP_ID) instanceof Object step) {
            span.setAttribute(STEP_ID, step.toString());
        }
        return span;
    }
}
