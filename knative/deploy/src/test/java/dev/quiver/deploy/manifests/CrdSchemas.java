package dev.quiver.deploy.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The {@code openAPIV3Schema} of every Knative CRD in the shared folder ({@code ../shared/knative-crds} from the
 * repository root), by apiVersion and kind, as JSON Schemas. The Kubernetes extensions are annotations here:
 * {@code x-kubernetes-preserve-unknown-fields} lets an object hold anything, {@code nullable} allows null, and the
 * rest say nothing about validity. An object that lists its properties without either takes no others: the API server
 * drops or (with strict field validation, kubectl's default) refuses unknown fields, and neither is what a manifest
 * means.
 */
final class CrdSchemas {

    /** From the module folder {@code <repo>/knative/deploy}. */
    static final Path FOLDER = Path.of("..", "..", "..", "shared", "knative-crds").toAbsolutePath().normalize();

    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4);

    private final Map<String, JsonSchema> specs = new HashMap<>();
    /** Kinds with no spec (Kueue's WorkloadPriorityClass): their schema is of the document's own fields. */
    private final Set<String> specless = new HashSet<>();

    private CrdSchemas() {
    }

    /** The CRDs, or empty when the shared folder is not there. */
    static Optional<CrdSchemas> load() {
        return load(FOLDER);
    }

    /** The CRDs in {@code folder} (and below), or empty when it is not there. */
    static Optional<CrdSchemas> load(Path folder) {
        if (!Files.isDirectory(folder)) {
            return Optional.empty();
        }
        CrdSchemas schemas = new CrdSchemas();
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                for (JsonNode crd : ManifestFiles.read(file)) {
                    if (crd.path("kind").asText().equals("CustomResourceDefinition")) {
                        schemas.add(crd);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Optional.of(schemas);
    }

    private void add(JsonNode crd) {
        String group = crd.at("/spec/group").asText();
        String kind = crd.at("/spec/names/kind").asText();
        for (JsonNode version : crd.at("/spec/versions")) {
            String key = group + "/" + version.path("name").asText() + " " + kind;
            JsonNode spec = version.at("/schema/openAPIV3Schema/properties/spec");
            if (!spec.isMissingNode()) {
                specs.put(key, FACTORY.getSchema(jsonSchema(spec.deepCopy())));
            } else if (version.at("/schema/openAPIV3Schema/properties") instanceof ObjectNode) {
                ObjectNode own = version.at("/schema/openAPIV3Schema").deepCopy();
                ((ObjectNode) own.get("properties")).remove(List.of("apiVersion", "kind", "metadata"));
                specs.put(key, FACTORY.getSchema(jsonSchema(own)));
                specless.add(key);
            }
        }
    }

    boolean covers(Manifest manifest) {
        return specs.containsKey(manifest.apiVersion() + " " + manifest.kind());
    }

    /** @return every violation of the resource's spec, each with its path; empty when it validates */
    List<String> problems(Manifest manifest) {
        JsonSchema schema = specs.get(manifest.apiVersion() + " " + manifest.kind());
        if (schema == null) {
            return List.of(manifest + ": no CRD in " + FOLDER + " for " + manifest.apiVersion() + " "
                    + manifest.kind());
        }
        if (specless.contains(manifest.apiVersion() + " " + manifest.kind())) {
            ObjectNode own = manifest.document().deepCopy();
            own.remove(List.of("apiVersion", "kind", "metadata"));
            return schema.validate(own).stream().map(message -> manifest + ": " + message.getInstanceLocation()
                    .toString().substring(1) + ": " + message.getMessage()).sorted().toList();
        }
        JsonNode spec = manifest.document().path("spec");
        Set<ValidationMessage> messages = schema.validate(spec.isMissingNode()
                ? ManifestFiles.JSON.createObjectNode() : spec);
        return messages.stream().map(message -> manifest + ": spec" + message.getInstanceLocation().toString()
                .substring(1) + ": " + message.getMessage()).sorted().toList();
    }

    /** Rewrites a structural schema node (in place) into the JSON Schema it means; see the class comment. */
    static JsonNode jsonSchema(JsonNode node) {
        if (!(node instanceof ObjectNode schema)) {
            return node;
        }
        boolean preserve = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
        if (schema.path("nullable").asBoolean(false) && schema.has("type")) {
            ArrayNode types = schema.arrayNode().add(schema.get("type").asText()).add("null");
            schema.set("type", types);
        }
        for (Iterator<String> names = schema.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (name.startsWith("x-kubernetes-") || name.equals("nullable")) {
                names.remove();
            }
        }
        JsonNode properties = schema.get("properties");
        if (properties instanceof ObjectNode fields) {
            fields.properties().forEach(field -> jsonSchema(field.getValue()));
            if (!preserve && !schema.has("additionalProperties")) {
                schema.put("additionalProperties", false);
            }
        }
        for (String nested : List.of("items", "additionalProperties")) {
            jsonSchema(schema.get(nested));
        }
        for (String combined : List.of("anyOf", "allOf", "oneOf")) {
            schema.path(combined).forEach(CrdSchemas::jsonSchema);
        }
        return schema;
    }
}
