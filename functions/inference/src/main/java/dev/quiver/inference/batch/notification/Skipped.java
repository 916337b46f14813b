package dev.quiver.inference.batch.notification;

/** A record that was answered without work: where it is in the notification, why, and what it said. */
public record Skipped(String record, SkipReason reason, String detail) {
}
