package dev.quiver.inference.batch;

/** How an input object holds its rows. */
public enum InputFormat {
    /** one JSON value per line: an instance, or {"id": ..., "instance": ...} */
    JSONL,
    /** numeric columns, optionally a header line and an id column */
    CSV
}
