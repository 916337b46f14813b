package dev.quiver.deploy.status;

/** One traffic target as Knative resolved it: a revision, its share, its tag and the tag's own URL. */
public record TrafficRow(String revision, long percent, String tag, String url) {
}
