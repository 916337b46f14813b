package dev.quiver.inference.batch.notification;

/** Why a notification, or a record in it, started no work although it was answered with a 2xx. */
public enum SkipReason {
    /** A provider's check that notifications arrive (S3's {@code s3:TestEvent}, TriggerMesh's test event). */
    TEST_EVENT("test-event"),
    /** An event about an object that was not created: removed, archived, restored, metadata changed. */
    NOT_CREATED("not-object-created"),
    /** A key ending in '/', which consoles create as a folder marker; it holds no rows. */
    FOLDER_PLACEHOLDER("folder-placeholder"),
    /** An SNS subscription to confirm by visiting its SubscribeURL. */
    SUBSCRIPTION_CONFIRMATION("subscription-confirmation"),
    /** SNS telling that the endpoint was unsubscribed. */
    UNSUBSCRIBE_CONFIRMATION("unsubscribe-confirmation"),
    /** Event Grid asking the endpoint to prove it wants the events; answered with the validation code. */
    SUBSCRIPTION_VALIDATION("subscription-validation"),
    /** A message on an SNS topic or SQS queue that is no storage notification (other publishers share it). */
    NOT_A_STORAGE_NOTIFICATION("not-a-storage-notification"),
    /** An object no batch rule matches. */
    NO_RULE("no-rule");

    private final String label;

    SkipReason(String label) {
        this.label = label;
    }

    /** The reason as responses, logs and metrics name it. */
    public String label() {
        return label;
    }
}
