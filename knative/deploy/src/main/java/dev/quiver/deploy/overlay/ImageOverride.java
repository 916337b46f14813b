package dev.quiver.deploy.overlay;

/** An `images:` entry: containers whose image name is {@code name} get {@code newName} and/or {@code newTag}. */
public record ImageOverride(String name, String newName, String newTag) {

    public boolean matches(ImageReference image) {
        return image.name().equals(name);
    }

    public ImageReference applyTo(ImageReference image) {
        ImageReference renamed = newName == null ? image : image.withName(newName);
        return newTag == null ? renamed : renamed.withTag(newTag);
    }
}
