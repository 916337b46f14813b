package dev.quiver.deploy.scale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.deploy.DeployException;
import dev.quiver.pool.PoolSpec;
import dev.quiver.pool.ServingScale;
import dev.quiver.pool.ServingSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the scale bounds the pool file gives each serving function into its Knative Service, so that Knative keeps
 * the replicas the pool reserves for it and never runs more than it may borrow: {@code min-scale} is its queue's
 * nominal quota in replicas, {@code max-scale} that and all the queue may borrow. Where the pool does not bound the
 * borrowing, the overlay's {@code max-scale} stays.
 */
public final class PoolScale {

    public static final String MIN_SCALE = "autoscaling.knative.dev/min-scale";
    public static final String MAX_SCALE = "autoscaling.knative.dev/max-scale";

    private PoolScale() {
    }

    /**
     * Sets the annotations on the revision template of each Service the pool's {@code serving} names.
     *
     * @throws DeployException when the pool names a function the rendered resources have no Knative Service for
     */
    public static void apply(List<ObjectNode> resources, PoolSpec pool) {
        List<String> services = new ArrayList<>();
        for (ObjectNode resource : resources) {
            if (isKnativeService(resource)) {
                services.add(resource.path("metadata").path("name").asText());
            }
        }
        for (ServingSpec serving : pool.serving().values()) {
            ObjectNode service = resources.stream().filter(PoolScale::isKnativeService)
                    .filter(resource -> serving.function().equals(resource.path("metadata").path("name").asText()))
                    .findFirst().orElseThrow(() -> new DeployException("the pool file's serving."
                            + serving.function() + " names no Knative Service of the overlay; it has "
                            + String.join(", ", services)));
            ServingScale scale = ServingScale.of(pool, serving);
            ObjectNode annotations = object(object(object(object(service, "spec"), "template"), "metadata"),
                    "annotations");
            annotations.put(MIN_SCALE, Integer.toString(scale.min()));
            scale.max().ifPresent(max -> annotations.put(MAX_SCALE, Integer.toString(max)));
        }
    }

    private static boolean isKnativeService(JsonNode resource) {
        return "Service".equals(resource.path("kind").asText())
                && resource.path("apiVersion").asText().startsWith("serving.knative.dev/");
    }

    private static ObjectNode object(ObjectNode parent, String field) {
        return parent.get(field) instanceof ObjectNode child ? child : parent.putObject(field);
    }
}
