package dev.quiver.deploy.overlay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Renders an overlay the way {@code kubectl kustomize} would for the subset Quiver uses: each kustomization's
 * resources (files, or directories with their own kustomization), then its patches, images and namespace.
 */
public final class OverlayRenderer {

    /** Kinds without a namespace; the namespace transformer leaves them alone, as kustomize does. */
    private static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "ClusterRole", "ClusterRoleBinding",
            "CustomResourceDefinition", "PersistentVolume", "StorageClass", "PriorityClass", "ClusterDomainClaim",
            "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration");
    private static final Set<String> CONTAINER_LISTS = Set.of("containers", "initContainers");

    private final YAMLMapper yaml = new YAMLMapper();

    /** The resources of the overlay in {@code directory}, in the order its kustomizations list them. */
    public List<ObjectNode> render(Path directory) {
        return render(directory.toAbsolutePath().normalize(), new HashSet<>());
    }

    private List<ObjectNode> render(Path directory, Set<Path> visiting) {
        if (!visiting.add(directory)) {
            throw new OverlayException(directory.resolve(Kustomization.FILE_NAME)
                    + ": includes itself through its resources");
        }
        Kustomization kustomization = Kustomization.read(directory);
        List<ObjectNode> resources = new ArrayList<>();
        for (int i = 0; i < kustomization.resources().size(); i++) {
            Path entry = directory.resolve(kustomization.resources().get(i)).normalize();
            if (Files.isDirectory(entry)) {
                resources.addAll(render(entry, visiting));
            } else if (Files.isRegularFile(entry)) {
                resources.addAll(readResources(entry));
            } else {
                throw new OverlayException(kustomization.file() + ": resources[" + i + "]: no file or directory "
                        + entry);
            }
        }
        visiting.remove(directory);
        for (PatchEntry patch : kustomization.patches()) {
            applyPatch(kustomization, patch, resources);
        }
        for (ObjectNode resource : resources) {
            kustomization.images().forEach(image -> replaceImages(resource, image));
            kustomization.namespace().ifPresent(namespace -> setNamespace(resource, namespace));
        }
        refuseDuplicates(kustomization, resources);
        return resources;
    }

    private List<ObjectNode> readResources(Path file) {
        List<ObjectNode> resources = new ArrayList<>();
        try (MappingIterator<JsonNode> documents = yaml.readerFor(JsonNode.class).readValues(file.toFile())) {
            int index = 0;
            while (documents.hasNext()) {
                JsonNode document = documents.next();
                index++;
                if (document == null || document.isNull() || document.isEmpty()) {
                    continue;
                }
                if (!document.isObject() || !document.hasNonNull("apiVersion") || !document.hasNonNull("kind")
                        || !document.path("metadata").hasNonNull("name")) {
                    throw new OverlayException(file + ": document " + index
                            + " is not a Kubernetes resource (it needs apiVersion, kind and metadata.name)");
                }
                resources.add((ObjectNode) document);
            }
        } catch (JsonProcessingException e) {
            throw new OverlayException(file + ": not readable YAML: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new OverlayException(file + ": cannot be read: " + e.getMessage());
        }
        return resources;
    }

    private void applyPatch(Kustomization kustomization, PatchEntry patch, List<ObjectNode> resources) {
        if (!Files.isRegularFile(patch.file())) {
            throw new OverlayException(kustomization.file() + ": patch file " + patch.file() + " does not exist");
        }
        JsonNode mergePatch;
        try {
            mergePatch = yaml.readTree(patch.file().toFile());
        } catch (IOException e) {
            throw new OverlayException(patch.file() + ": not readable YAML: " + e.getMessage());
        }
        if (mergePatch == null || !mergePatch.isObject()) {
            throw new OverlayException(patch.file() + ": a JSON merge patch must be a mapping");
        }
        boolean matched = false;
        for (int i = 0; i < resources.size(); i++) {
            ObjectNode resource = resources.get(i);
            if (patch.kind().equals(resource.path("kind").asText())
                    && patch.name().equals(resource.path("metadata").path("name").asText())) {
                resources.set(i, (ObjectNode) JsonMergePatch.apply(resource, mergePatch));
                matched = true;
            }
        }
        if (!matched) {
            throw new OverlayException(kustomization.file() + ": patch " + patch.file().getFileName() + " targets "
                    + patch.kind() + "/" + patch.name() + ", which is not among the overlay's resources");
        }
    }

    private static void replaceImages(JsonNode node, ImageOverride override) {
        if (node.isObject()) {
            node.properties().forEach(field -> {
                if (CONTAINER_LISTS.contains(field.getKey()) && field.getValue().isArray()) {
                    field.getValue().forEach(container -> replaceImage(container, override));
                }
                replaceImages(field.getValue(), override);
            });
        } else if (node.isArray()) {
            node.forEach(element -> replaceImages(element, override));
        }
    }

    private static void replaceImage(JsonNode container, ImageOverride override) {
        if (container.isObject() && container.path("image").isTextual()) {
            ImageReference image = ImageReference.parse(container.get("image").asText());
            if (override.matches(image)) {
                ((ObjectNode) container).put("image", override.applyTo(image).toString());
            }
        }
    }

    /**
     * Sets the namespace of a namespaced resource and, as kustomize does, of the ServiceAccounts a (Cluster)RoleBinding
     * binds: the account is the overlay's, in the overlay's namespace.
     */
    private static void setNamespace(ObjectNode resource, String namespace) {
        String kind = resource.path("kind").asText();
        if (!CLUSTER_SCOPED.contains(kind)) {
            ((ObjectNode) resource.get("metadata")).put("namespace", namespace);
        }
        if (kind.equals("RoleBinding") || kind.equals("ClusterRoleBinding")) {
            for (JsonNode subject : resource.path("subjects")) {
                if (subject instanceof ObjectNode account && account.path("kind").asText().equals("ServiceAccount")) {
                    account.put("namespace", namespace);
                }
            }
        }
    }

    private static void refuseDuplicates(Kustomization kustomization, List<ObjectNode> resources) {
        Set<String> seen = new HashSet<>();
        for (ObjectNode resource : resources) {
            String id = resource.path("kind").asText() + "/" + resource.path("metadata").path("name").asText()
                    + " in namespace " + resource.path("metadata").path("namespace").asText("(default)");
            if (!seen.add(id)) {
                throw new OverlayException(kustomization.file() + ": " + id + " is listed twice among its resources");
            }
        }
    }

    /** The resources as one multi-document YAML stream, as {@code kubectl kustomize} prints them. */
    public String toYaml(List<ObjectNode> resources) {
        StringBuilder out = new StringBuilder();
        for (ObjectNode resource : resources) {
            try {
                out.append(yaml.writeValueAsString(resource));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a parsed resource always serializes", e);
            }
        }
        return out.toString();
    }
}
