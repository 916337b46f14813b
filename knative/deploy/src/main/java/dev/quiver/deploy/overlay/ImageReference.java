package dev.quiver.deploy.overlay;

/**
 * A container image reference split as kustomize matches it: the name (registry and path), an optional tag and an
 * optional digest. A colon before the last slash belongs to a registry port, not to a tag.
 */
public record ImageReference(String name, String tag, String digest) {

    public static ImageReference parse(String image) {
        String rest = image;
        String digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = rest.substring(at + 1);
            rest = rest.substring(0, at);
        }
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            return new ImageReference(rest.substring(0, colon), rest.substring(colon + 1), digest);
        }
        return new ImageReference(rest, null, digest);
    }

    public ImageReference withName(String newName) {
        return new ImageReference(newName, tag, digest);
    }

    /** A new tag replaces the digest too: a digest would pin the old image whatever the tag says. */
    public ImageReference withTag(String newTag) {
        return new ImageReference(name, newTag, null);
    }

    @Override
    public String toString() {
        return name + (tag == null ? "" : ":" + tag) + (digest == null ? "" : "@" + digest);
    }
}
