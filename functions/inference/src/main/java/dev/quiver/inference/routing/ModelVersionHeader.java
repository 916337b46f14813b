package dev.quiver.inference.routing;

/** The response header that names the version that produced an answer, on every HTTP protocol. */
public final class ModelVersionHeader {

    public static final String NAME = "Quiver-Model-Version";

    private ModelVersionHeader() {
    }
}
