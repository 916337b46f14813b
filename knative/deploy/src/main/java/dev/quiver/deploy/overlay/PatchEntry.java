package dev.quiver.deploy.overlay;

import java.nio.file.Path;

/** A `patches:` entry: the JSON merge patch in {@code file} applies to the resource of this kind and name. */
public record PatchEntry(Path file, String kind, String name) {
}
