package dev.quiver.deploy;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** The test manifests under src/test/resources/manifests. */
public final class Fixtures {

    private Fixtures() {
    }

    public static Path manifests() {
        try {
            return Path.of(Fixtures.class.getResource("/manifests").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path overlay(String name) {
        return manifests().resolve("overlays").resolve(name);
    }
}
