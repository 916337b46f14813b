package dev.quiver.deploy.manifests;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.knative.eventing.v1.Broker;
import io.fabric8.knative.eventing.v1.Trigger;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.knative.sources.v1.PingSource;
import io.fabric8.knative.sources.v1.SinkBinding;
import io.fabric8.knative.sources.v1alpha1.IntegrationSource;
import java.util.Map;

/**
 * Reads a manifest into the fabric8 model of its apiVersion and kind with every unknown property an error. fabric8's
 * classes keep unknown properties in an any-setter map; this mapper ignores the any-setters, so a misspelt or
 * misplaced field fails instead of being carried along.
 */
final class StrictModel {

    static final Map<String, Class<?>> TYPES = Map.ofEntries(
            Map.entry("serving.knative.dev/v1 Service", Service.class),
            Map.entry("eventing.knative.dev/v1 Broker", Broker.class),
            Map.entry("eventing.knative.dev/v1 Trigger", Trigger.class),
            Map.entry("sources.knative.dev/v1 PingSource", PingSource.class),
            Map.entry("sources.knative.dev/v1 SinkBinding", SinkBinding.class),
            Map.entry("sources.knative.dev/v1alpha1 IntegrationSource", IntegrationSource.class),
            Map.entry("v1 ConfigMap", ConfigMap.class),
            Map.entry("v1 Secret", Secret.class),
            Map.entry("v1 ServiceAccount", ServiceAccount.class),
            Map.entry("rbac.authorization.k8s.io/v1 Role", Role.class),
            Map.entry("rbac.authorization.k8s.io/v1 RoleBinding", RoleBinding.class));

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .annotationIntrospector(new JacksonAnnotationIntrospector() {
                @Override
                public Boolean hasAnySetter(Annotated member) {
                    return Boolean.FALSE;
                }
            })
            .build();

    private StrictModel() {
    }

    /** @throws IllegalArgumentException naming the resource and the property that does not fit */
    static Object read(Manifest manifest) {
        Class<?> type = TYPES.get(manifest.apiVersion() + " " + manifest.kind());
        if (type == null) {
            throw new IllegalArgumentException(manifest + ": no fabric8 model for apiVersion " + manifest.apiVersion()
                    + " kind " + manifest.kind() + "; expected one of " + TYPES.keySet());
        }
        return read(manifest, manifest.document(), type);
    }

    private static Object read(Manifest manifest, JsonNode document, Class<?> type) {
        try {
            return MAPPER.treeToValue(document, type);
        } catch (Exception e) {
            throw new IllegalArgumentException(
                    manifest + ": does not fit " + type.getName() + ": " + e.getMessage(), e);
        }
    }
}
