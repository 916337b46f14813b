package dev.quiver.admission.plan;

/** What one request to a model costs in tokens: one per request, one per item of the batch, or one per element. */
public enum CostUnit {
    REQUEST, ITEM, ELEMENT;

    public long cost(long items, long elements) {
        return switch (this) {
            case REQUEST -> 1;
            case ITEM -> Math.max(1, items);
            case ELEMENT -> Math.max(1, elements);
        };
    }
}
