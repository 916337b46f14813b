package dev.quiver.deploy.apply;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.deploy.DeployException;
import dev.quiver.deploy.cluster.ClusterCall;
import dev.quiver.deploy.rollout.RevisionNames;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;

/**
 * Creates or updates each rendered resource. A resource whose live object already holds everything its manifest
 * says is left alone, so applying the same overlay twice changes nothing and reports every resource unchanged.
 * Updates replace the object (with the live resourceVersion, so a concurrent change fails rather than being lost);
 * server-side apply would need a field manager per writer, and the rollout commands edit the same Services.
 */
public final class ResourceApplier {

    private final KubernetesClient client;
    private final ClusterCall call;
    private final RevisionNames revisionNames;
    private final ObjectMapper json = new ObjectMapper();

    public ResourceApplier(KubernetesClient client, ClusterCall call, RevisionNames revisionNames) {
        this.client = client;
        this.call = call;
        this.revisionNames = revisionNames;
    }

    public List<AppliedResource> apply(List<ObjectNode> manifests, String namespace) {
        return manifests.stream().map(manifest -> apply(manifest, namespace)).toList();
    }

    private AppliedResource apply(ObjectNode manifest, String namespace) {
        KubernetesSerialization serialization = client.getKubernetesSerialization();
        if (!(serialization.unmarshal(manifest.toString()) instanceof HasMetadata desired)) {
            throw new DeployException(manifest.path("kind").asText() + "/"
                    + manifest.path("metadata").path("name").asText() + ": not a Kubernetes resource");
        }
        String kind = desired.getKind();
        String name = desired.getMetadata().getName();
        String resource = desired instanceof GenericKubernetesResource ? kind
                : HasMetadata.getFullResourceName(desired.getClass());
        String where = null;
        if (desired instanceof Namespaced || desired instanceof GenericKubernetesResource) {
            if (desired.getMetadata().getNamespace() == null) {
                desired.getMetadata().setNamespace(namespace);
            }
            where = desired.getMetadata().getNamespace();
        }
        String in = where;
        HasMetadata live = call.run("get", resource, in, () -> client.resource(desired).get());
        if (live == null) {
            call.run("create", resource, in, () -> client.resource(desired).create());
            return new AppliedResource(kind, name, in, Outcome.CREATED, null);
        }
        if (Containment.holds(comparable(desired), tree(live))) {
            return new AppliedResource(kind, name, in, Outcome.UNCHANGED, null);
        }
        String note = desired instanceof Service service && live instanceof Service liveService
                ? ServiceCarryOver.apply(service, liveService, revisionNames, this::tree)
                : null;
        desired.getMetadata().setResourceVersion(live.getMetadata().getResourceVersion());
        call.run("update", resource, in, () -> client.resource(desired).update());
        return new AppliedResource(kind, name, in, Outcome.CONFIGURED, note);
    }

    /** The manifest's own fields: its status and any metadata but labels and annotations belong to the server. */
    private JsonNode comparable(HasMetadata desired) {
        ObjectNode wanted = (ObjectNode) tree(desired);
        wanted.remove("status");
        ObjectNode metadata = (ObjectNode) wanted.get("metadata");
        metadata.retain("labels", "annotations");
        return wanted;
    }

    private JsonNode tree(Object value) {
        try {
            return json.readTree(client.getKubernetesSerialization().asJson(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the client's own JSON is always readable", e);
        }
    }
}
