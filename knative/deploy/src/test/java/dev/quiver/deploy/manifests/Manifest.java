package dev.quiver.deploy.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;

/** One resource document of a manifest file (or of an overlay's rendering), with where it came from. */
record Manifest(Path file, JsonNode document) {

    String apiVersion() {
        return document.path("apiVersion").asText();
    }

    String kind() {
        return document.path("kind").asText();
    }

    String name() {
        return document.path("metadata").path("name").asText();
    }

    /** {@code kind/name (file)}, how failures name a resource. */
    @Override
    public String toString() {
        return kind() + "/" + name() + " (" + file.getFileName() + ")";
    }
}
