package dev.quiver.inference.routing;

import dev.quiver.inference.modelconfig.StickyKey;
import java.util.Optional;

/** Where a request's sticky key may come from; each protocol says what it has. */
public interface RoutingKeys {

    /** The caller's identity from admission. */
    Optional<String> caller();

    Optional<String> header(String name);

    Optional<String> parameter(String name);

    /** The request's key for the model's sticky key; empty when the request does not carry it. */
    default Optional<String> key(StickyKey sticky) {
        Optional<String> key = switch (sticky) {
            case StickyKey.Caller ignored -> caller();
            case StickyKey.Header header -> header(header.name());
            case StickyKey.Parameter parameter -> parameter(parameter.name());
        };
        return key.filter(value -> !value.isEmpty());
    }
}
