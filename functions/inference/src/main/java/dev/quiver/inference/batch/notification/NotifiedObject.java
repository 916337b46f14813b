package dev.quiver.inference.batch.notification;

import dev.quiver.inference.batch.ObjectCreated;

/**
 * An object a notification says was created, and where in the notification it was named (for example
 * {@code Records[1].body.Records[0]}), so that the answer reports per record.
 */
public record NotifiedObject(String record, ObjectCreated object) {
}
