package dev.quiver.deploy.cluster;

import dev.quiver.deploy.DeployException;
import io.fabric8.knative.client.KnativeClient;
import io.fabric8.knative.serving.v1.Service;
import java.util.List;
import java.util.function.UnaryOperator;

/** The Knative Services of one namespace: found by name (or a failure listing those that exist), listed, edited. */
public record KnativeServices(KnativeClient knative, ClusterCall call, String namespace) {

    static final String RESOURCE = "services.serving.knative.dev";

    public Service require(String name) {
        Service service = call.run("get", RESOURCE, namespace,
                () -> knative.services().inNamespace(namespace).withName(name).get());
        if (service == null) {
            List<String> names = all().stream().map(s -> s.getMetadata().getName()).sorted().toList();
            throw new DeployException("no Knative Service " + name + " in " + namespace + "; services: "
                    + (names.isEmpty() ? "none" : String.join(", ", names)));
        }
        return service;
    }

    public List<Service> all() {
        return call.run("list", RESOURCE, namespace,
                () -> knative.services().inNamespace(namespace).list().getItems());
    }

    public Service edit(String name, UnaryOperator<Service> change) {
        return call.run("update", RESOURCE, namespace,
                () -> knative.services().inNamespace(namespace).withName(name).edit(change));
    }
}
