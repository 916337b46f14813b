package dev.quiver.admission.concurrency;

/** A place among a caller's running requests; released once, when the response has gone out. */
@FunctionalInterface
public interface Permit {

    Permit NONE = () -> {
    };

    void release();
}
