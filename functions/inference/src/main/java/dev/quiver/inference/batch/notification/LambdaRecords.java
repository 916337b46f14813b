package dev.quiver.inference.batch.notification;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quiver.inference.batch.InvalidNotificationException;

/**
 * The envelopes an S3 → SQS → consumer or S3 → SNS → SQS chain produces, as AWS Lambda's SQS and SNS events shape
 * them: {@code Records[]} of SQS messages (the notification as a string in {@code body}) or of SNS records (an SNS
 * message in {@code Sns}). Each record is read again as a notification, so an SNS envelope inside an SQS body is
 * unwrapped too; a batch holds many records, each of them possibly several S3 records, and every one is reported.
 */
final class LambdaRecords implements NotificationShape {

    @Override
    public String expected() {
        return "SQS or SNS records as Lambda receives them (Records[].body, Records[].Sns)";
    }

    @Override
    public boolean recognises(JsonNode body) {
        JsonNode records = body.path("Records");
        return records.isArray() && !records.isEmpty()
                && (records.get(0).has("body") || records.get(0).has("Sns"));
    }

    @Override
    public void read(JsonNode body, String at, NotificationShapes shapes, Reading reading) {
        JsonNode records = body.get("Records");
        for (int i = 0; i < records.size(); i++) {
            JsonNode record = records.get(i);
            String place = at + "Records[" + i + "].";
            if (record.path("body").isTextual()) {
                sqsMessage(record, place, shapes, reading);
            } else if (record.path("Sns").isObject()) {
                shapes.read(record.get("Sns"), place + "Sns.", reading);
            } else {
                throw new InvalidNotificationException(ObjectNames.record(place) + ": expected an SQS message "
                        + "(body, a string) or an SNS record (Sns, an object)");
            }
        }
    }

    private static void sqsMessage(JsonNode record, String at, NotificationShapes shapes, Reading reading) {
        JsonNode inner = shapes.parsed(record.get("body").asText(), at + "body");
        if (inner == null || !shapes.recognises(inner)) {
            reading.skipped(ObjectNames.record(at + "body"), SkipReason.NOT_A_STORAGE_NOTIFICATION, "SQS message "
                    + ObjectNames.shown(record.path("messageId").asText("?")) + ": the body is no storage "
                    + "notification");
            return;
        }
        shapes.read(inner, at + "body.", reading);
    }
}
