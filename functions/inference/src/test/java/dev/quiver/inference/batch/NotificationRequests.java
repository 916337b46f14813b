package dev.quiver.inference.batch;

import static io.restassured.RestAssured.given;

import dev.quiver.inference.fixtures.Digits;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.http.HttpMessageFactory;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Notifications built from the providers' bodies, and how they reach the function. */
final class NotificationRequests {

    private NotificationRequests() {
    }

    static String s3Event(String eventName, String key, String etag) {
        return s3Event(eventName, key, etag, 512);
    }

    /** An S3 event notification; S3 URL-encodes the key, '+' for spaces. */
    static String s3Event(String eventName, String key, String etag, long size) {
        return NotificationFixture.of("s3-event.json").with("eventName", eventName).with("bucket", "incoming")
                .with("key", URLEncoder.encode(key, StandardCharsets.UTF_8)).with("etag", etag).with("size", size)
                .body();
    }

    /** A Cloud Storage CloudEvent in binary mode; the name is not encoded, the generation is the version. */
    static CloudEvent gcsEvent(String type, String key, String generation) {
        String data = NotificationFixture.of("gcs-object-data.json").with("bucket", "incoming").with("key", key)
                .with("etag", generation).with("size", 512).body();
        return CloudEventBuilder.v1().withId(UUID.randomUUID().toString())
                .withSource(URI.create("//storage.googleapis.com/projects/_/buckets/incoming"))
                .withType(type).withSubject("objects/" + key).withDataContentType("application/json")
                .withData(data.getBytes(StandardCharsets.UTF_8)).build();
    }

    static Response post(String body) {
        return given().contentType("application/json").body(body).post("/storage-notifications");
    }

    static Response binary(CloudEvent event) {
        RequestSpecification spec = given();
        List<byte[]> body = new ArrayList<>();
        HttpMessageFactory.createWriter(spec::header, body::add).writeBinary(event);
        return spec.body(body.getFirst()).post("/storage-notifications");
    }

    static String jsonLines(int rows) {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < rows; i++) {
            lines.append("{\"id\":\"item-").append(i).append("\",\"instance\":").append(Digits.pixelsJson(i))
                    .append("}\n");
        }
        return lines.toString();
    }
}
