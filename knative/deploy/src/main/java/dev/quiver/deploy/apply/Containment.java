package dev.quiver.deploy.apply;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/**
 * Whether a live object already holds everything a manifest says. The API server and Knative's webhooks fill in
 * defaults (timeouts, probe settings, container names), so the live object may hold more; it must not differ.
 */
final class Containment {

    private Containment() {
    }

    static boolean holds(JsonNode desired, JsonNode live) {
        if (live == null || live.isMissingNode()) {
            return desired.isNull();
        }
        if (desired.isObject()) {
            if (!live.isObject()) {
                return false;
            }
            Iterator<Map.Entry<String, JsonNode>> fields = desired.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (!holds(field.getValue(), live.path(field.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        if (desired.isArray()) {
            if (!live.isArray() || live.size() != desired.size()) {
                return false;
            }
            for (int i = 0; i < desired.size(); i++) {
                if (!holds(desired.get(i), live.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (desired.isNumber() && live.isNumber()) {
            return desired.decimalValue().compareTo(live.decimalValue()) == 0;
        }
        return desired.equals(live);
    }
}
