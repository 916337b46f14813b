package dev.quiver.inference.batch;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** A provider's notification body from {@code src/test/resources/notifications}, its placeholders filled in. */
final class NotificationFixture {

    private final String template;
    private final Map<String, String> values = new LinkedHashMap<>();

    private NotificationFixture(String template) {
        this.template = template;
    }

    static NotificationFixture of(String name) {
        try (InputStream in = NotificationFixture.class.getResourceAsStream("/notifications/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture notifications/" + name);
            }
            return new NotificationFixture(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    NotificationFixture with(String placeholder, Object value) {
        values.put(placeholder, String.valueOf(value));
        return this;
    }

    String body() {
        String body = template;
        for (Map.Entry<String, String> value : values.entrySet()) {
            body = body.replace("{{" + value.getKey() + "}}", value.getValue());
        }
        if (body.contains("{{")) {
            throw new IllegalStateException("placeholder left unfilled in " + body);
        }
        return body;
    }
}
