package dev.quiver.inference.routing;

import java.util.Locale;

/** How a request's version was chosen, as the {@code route} tag of {@code quiver_routed_requests_total}. */
public enum RouteKind {
    /** drawn by the routing weights, by the request's sticky key or, without one, at random */
    WEIGHTED,
    /** the request named an alias */
    ALIAS,
    /** the request named a version number */
    EXPLICIT,
    /** the model has no weights (or none of its weighted versions serves): its latest serving version answered */
    LATEST;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
