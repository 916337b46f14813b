package dev.quiver.inference.rollout;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the judge decided about a step, why (one sentence per finding, with its figures) and the figures it compared.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Verdict(Decision decision, List<String> reasons, Map<String, Object> figures) {

    public enum Decision {
        /** Not enough data yet: judge again later. */
        WAIT,
        /** Healthy: give the canary the next step's weight. */
        ADVANCE,
        /** Healthy at the last step: the canary becomes the stable version. */
        PROMOTE,
        /** Worse than the stable version: all traffic back to it. */
        ROLLBACK
    }

    public Verdict {
        reasons = List.copyOf(reasons);
        figures = Collections.unmodifiableMap(new LinkedHashMap<>(figures));
    }
}
