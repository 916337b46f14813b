package dev.quiver.deploy;

import io.fabric8.knative.client.KnativeClient;
import io.fabric8.knative.pkg.apis.ConditionBuilder;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.knative.serving.v1.ServiceBuilder;
import io.fabric8.knative.serving.v1.ServiceStatusBuilder;
import io.fabric8.knative.serving.v1.TrafficTarget;
import io.fabric8.knative.serving.v1.TrafficTargetBuilder;
import java.util.List;

/**
 * Plays Knative Serving's controller for the mock API server, which runs none: it reports a service's revisions as
 * ready and resolves its spec's traffic into the status, with a URL for every tag.
 */
public record KnativeController(KnativeClient knative, String namespace) {

    public Service createReady(String name, String readyRevision) {
        Service service = knative.services().inNamespace(namespace).resource(new ServiceBuilder()
                .withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withNewTemplate().withNewSpec().addNewContainer().withImage("quiver-inference:0.1.0")
                .addNewPort().withName("http1").withContainerPort(8080).endPort().endContainer().endSpec().endTemplate()
                .endSpec().build()).create();
        return report(service.getMetadata().getName(), readyRevision);
    }

    /** Marks {@code readyRevision} as the latest created and ready one and resolves the traffic. */
    public Service report(String name, String readyRevision) {
        Service service = knative.services().inNamespace(namespace).withName(name).get();
        List<TrafficTarget> spec = service.getSpec().getTraffic();
        List<TrafficTarget> resolved = spec == null || spec.isEmpty()
                ? List.of(new TrafficTargetBuilder().withRevisionName(readyRevision).withPercent(100L)
                        .withLatestRevision(true).build())
                : spec.stream().map(t -> new TrafficTargetBuilder(t)
                        .withUrl(t.getTag() == null ? null
                                : "http://" + t.getTag() + "-" + name + "." + namespace + ".example.com")
                        .build()).toList();
        service.setStatus(new ServiceStatusBuilder()
                .withLatestCreatedRevisionName(readyRevision).withLatestReadyRevisionName(readyRevision)
                .withUrl("http://" + name + "." + namespace + ".example.com")
                .withConditions(new ConditionBuilder().withType("Ready").withStatus("True").build())
                .withTraffic(resolved).build());
        return knative.services().inNamespace(namespace).resource(service).updateStatus();
    }
}
