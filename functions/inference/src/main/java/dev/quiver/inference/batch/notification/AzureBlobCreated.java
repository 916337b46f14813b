package dev.quiver.inference.batch.notification;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quiver.inference.batch.InvalidNotificationException;
import dev.quiver.inference.batch.StorageProvider;

/**
 * The data of an Azure Blob Storage {@code Microsoft.Storage.BlobCreated} event, in the Event Grid schema or the
 * CloudEvents schema: the subject {@code /blobServices/default/containers/<container>/blobs/<blob>} names the
 * object (the container read as the bucket, the blob name as the key, neither encoded), {@code data.eTag} its
 * version, {@code data.contentLength} its size. A Data Lake {@code CreateFile} names a file not yet written (its
 * {@code FlushWithClose} follows), so it is skipped.
 */
final class AzureBlobCreated {

    static final String TYPE = "Microsoft.Storage.BlobCreated";
    static final String STORAGE_TYPES = "Microsoft.Storage.";
    private static final String CONTAINERS = "/blobServices/default/containers/";
    private static final String BLOBS = "/blobs/";

    private AzureBlobCreated() {
    }

    static void read(String subject, JsonNode data, String at, Reading reading) {
        if (data == null || !data.isObject()) {
            throw new InvalidNotificationException(at + "data: required, the blob's eTag, contentLength and url");
        }
        String api = data.path("api").asText("");
        if (api.equals("CreateFile")) {
            reading.skipped(ObjectNames.record(at), SkipReason.NOT_CREATED, "api CreateFile: the file is written "
                    + "by a later FlushWithClose");
            return;
        }
        int blobs = subject == null ? -1 : subject.indexOf(BLOBS);
        if (subject == null || !subject.startsWith(CONTAINERS) || blobs < 0) {
            throw new InvalidNotificationException(at + "subject: expected " + CONTAINERS + "<container>" + BLOBS
                    + "<blob>, got " + (subject == null ? "none" : "'" + ObjectNames.shown(subject) + "'"));
        }
        String container = subject.substring(CONTAINERS.length(), blobs);
        String blob = subject.substring(blobs + BLOBS.length());
        if (blob.isEmpty()) {
            throw new InvalidNotificationException(at + "subject: names no blob");
        }
        ObjectNames.created(reading, StorageProvider.AZURE_BLOB, at, container, blob, "subject",
                data.path("eTag").asText(""), "data.eTag", data.path("contentLength").asLong(-1));
    }
}
