package dev.quiver.orchestration.retry;

/** What a failure's error class or exit code says of its cause, before the metadata is weighed. */
public enum FailureKind {
    /** May pass: network loss, preemption, lack of resources, a timeout. */
    TRANSIENT,
    /** Will happen again as it is: bad configuration, invalid code, a refused request. */
    PERMANENT,
    /** Ran out of memory. */
    MEMORY,
    /** An input it needed was gone or corrupt. */
    DATA_LOST
}
