package dev.quiver.inference.batch.notification;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.quiver.inference.batch.InvalidNotificationException;
import io.cloudevents.CloudEvent;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The one recognition step for storage notifications: a CloudEvent is read by its type, a raw body by the first
 * shape that recognises it. Envelopes (SNS, SQS and Lambda records) hand their message back here, so a notification
 * is unwrapped as many times as it was wrapped and its key decoded once, at the end. A body no shape recognises is
 * refused with the list of shapes expected.
 */
public final class NotificationShapes {

    static final String GCS_TYPES = "google.cloud.storage.object.v1.";
    static final String GCS_FINALIZED = GCS_TYPES + "finalized";
    static final String TRIGGERMESH_S3_TYPES = "com.amazon.s3.";
    /** Knative's aws-s3 IntegrationSource and Camel's aws-s3 kamelet. */
    static final Set<String> CONTENT_SOURCES = Set.of("dev.knative.eventing.aws.s3",
            "org.apache.camel.event.aws.s3.getObject");

    private final ObjectMapper mapper;
    /** Real senders never repeat a key; a repeated one is refused rather than one of its values dropped. */
    private final ObjectReader strict;
    private final List<NotificationShape> shapes;
    private final GcsObject gcsObject = new GcsObject();

    public NotificationShapes(ObjectMapper mapper) {
        this.mapper = mapper;
        this.strict = mapper.reader().with(StreamReadFeature.STRICT_DUPLICATE_DETECTION);
        this.shapes = List.of(new S3TestEvent(), new SnsEnvelope(), new LambdaRecords(), new S3Records(),
                new EventBridgeEvent(), new GcsBackgroundEvent(), gcsObject, new EventGridEvents());
    }

    /**
     * Refuses the sources that send an object's content as the event (Knative's aws-s3 IntegrationSource, Camel's
     * aws-s3 kamelet): they do not say which object version it is, so results could not be named or redeliveries
     * recognised. Checked before the data is read, as it is no JSON.
     */
    public static void requireNotification(CloudEvent event) {
        if (CONTENT_SOURCES.contains(event.getType())) {
            throw new InvalidNotificationException(InvalidNotificationException.CONTENT_NOT_NOTIFICATION,
                    "CloudEvent type " + event.getType() + ": this source sends an object's content, not a "
                            + "notification naming the object, so Quiver cannot tell which object version it is; "
                            + "send the bucket's S3 event notifications instead, to an SQS queue read by the "
                            + "IntegrationSource's aws.sqs (or Knative's AwsSqsSource), or use TriggerMesh's "
                            + "AWSS3Source");
        }
    }

    /** A raw body: a notification as its provider posts it. */
    public Reading read(JsonNode body) {
        Reading reading = new Reading();
        read(body, "", reading);
        return reading;
    }

    /** A CloudEvent, read by its type; {@code at} places it in a batch ("" for a single event). */
    public void read(CloudEvent event, JsonNode data, String at, Reading reading) {
        String type = event.getType();
        if (type.startsWith(GCS_TYPES)) {
            if (!type.equals(GCS_FINALIZED)) {
                reading.skipped(ObjectNames.record(at), SkipReason.NOT_CREATED, "CloudEvent type " + type);
                return;
            }
            gcsObject.read(requireData(data, at), at + "data.", this, reading);
            return;
        }
        if (type.startsWith(TRIGGERMESH_S3_TYPES)) {
            triggerMesh(type, data, at, reading);
            return;
        }
        if (type.startsWith(AzureBlobCreated.STORAGE_TYPES)) {
            if (type.equals(AzureBlobCreated.TYPE)) {
                AzureBlobCreated.read(event.getSubject(), data, at, reading);
            } else {
                reading.skipped(ObjectNames.record(at), SkipReason.NOT_CREATED, "CloudEvent type " + type);
            }
            return;
        }
        // any other type (S3 records forwarded by a Knative source, say): the data's own shape tells
        read(requireData(data, at), at + "data.", reading);
    }

    /** TriggerMesh's AWSS3Source: one S3 record per event, the type naming the event. */
    private static void triggerMesh(String type, JsonNode data, String at, Reading reading) {
        if (type.equals(TRIGGERMESH_S3_TYPES + "testevent")) {
            reading.skipped(ObjectNames.record(at), SkipReason.TEST_EVENT, "CloudEvent type " + type);
        } else if (type.equals(TRIGGERMESH_S3_TYPES + "objectcreated")) {
            S3Records.record(requireData(data, at), at + "data.", reading);
        } else {
            reading.skipped(ObjectNames.record(at), SkipReason.NOT_CREATED, "CloudEvent type " + type);
        }
    }

    void read(JsonNode body, String at, Reading reading) {
        shape(body).orElseThrow(() -> new InvalidNotificationException(
                (at.isEmpty() ? "notification" : ObjectNames.record(at)) + ": not a storage notification Quiver "
                        + "reads; expected " + expected())).read(body, at, this, reading);
    }

    /** Whether any shape recognises the body. */
    boolean recognises(JsonNode body) {
        return shape(body).isPresent();
    }

    /**
     * A raw body as JSON.
     *
     * @throws InvalidNotificationException when it is no JSON or repeats a key
     */
    public JsonNode parse(byte[] body) {
        try {
            return strict.readTree(body);
        } catch (JsonProcessingException e) {
            throw new InvalidNotificationException("notification: not valid JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw new InvalidNotificationException("notification: not valid JSON");
        }
    }

    /**
     * A message an envelope carries as a string (SNS {@code Message}, SQS {@code body}), parsed as JSON.
     *
     * @param field where the message is, for the error
     * @return null when the string is no JSON
     * @throws InvalidNotificationException when it is JSON that repeats a key
     */
    JsonNode parsed(String message, String field) {
        try {
            JsonNode parsed = strict.readTree(message);
            return parsed == null || parsed.isMissingNode() ? null : parsed;
        } catch (JsonProcessingException e) {
            if (isJson(message)) {
                throw new InvalidNotificationException(field + ": " + e.getOriginalMessage());
            }
            return null;
        }
    }

    private boolean isJson(String message) {
        try {
            mapper.readTree(message);
            return true;
        } catch (JsonProcessingException e) {
            return false;
        }
    }

    private Optional<NotificationShape> shape(JsonNode body) {
        return shapes.stream().filter(shape -> shape.recognises(body)).findFirst();
    }

    private String expected() {
        return shapes.stream().map(NotificationShape::expected).collect(Collectors.joining("; "));
    }

    private static JsonNode requireData(JsonNode data, String at) {
        if (data == null || data.isNull()) {
            throw new InvalidNotificationException(at + "data: required, the notification the CloudEvent carries");
        }
        return data;
    }
}
