package dev.quiver.inference.modelconfig;

/** What keeps one caller on one version: the key hashed into the weights. */
public sealed interface StickyKey {

    String DEFAULT = "caller";

    /** The caller's identity from admission (API key, token subject, client address, event source). */
    record Caller() implements StickyKey {
        @Override
        public String toString() {
            return "caller";
        }
    }

    /** The value of an HTTP request header (a CloudEvent's extension attribute of that name, lower-cased). */
    record Header(String name) implements StickyKey {
        @Override
        public String toString() {
            return "header:" + name;
        }
    }

    /** A request parameter (v2 {@code parameters}, the CloudEvent payload's {@code parameters}). */
    record Parameter(String name) implements StickyKey {
        @Override
        public String toString() {
            return "parameter:" + name;
        }
    }

    /** Reads a written key; null when it is not one ({@link ModelConfigValidator} says why). */
    static StickyKey parse(String written) {
        if (written == null || written.equals("caller")) {
            return new Caller();
        }
        if (written.matches("header:[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}")) {
            return new Header(written.substring("header:".length()));
        }
        if (written.matches("parameter:[A-Za-z0-9_.-]{1,128}")) {
            return new Parameter(written.substring("parameter:".length()));
        }
        return null;
    }
}
