package dev.quiver.orchestration.deadletter;

import java.time.Instant;

/**
 * An event the broker gave up on, as recorded: its attributes, the error Knative attached to it
 * ({@code knativeerrorcode}, {@code knativeerrordest}, {@code knativeerrordata}; absent where the broker adds none),
 * its data up to {@link DeadLetterRequest#MAX_DATA_BYTES} (whether cut, and the size it had), and when it came. The
 * data is in {@code data} when it is UTF-8 text, else in {@code dataBase64}, as CloudEvents' JSON format has them.
 */
public record DeadLetter(String source, String id, String type, String subject, String dataContentType,
                         String errorCode, String errorDestination, String errorData, String data, String dataBase64,
                         long dataBytes, boolean dataTruncated, Instant receivedAt) {
}
