package dev.quiver.deploy.rollout;

import dev.quiver.deploy.DeployException;
import dev.quiver.deploy.cluster.KnativeServices;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.knative.serving.v1.ServiceBuilder;
import io.fabric8.knative.serving.v1.TrafficTarget;
import io.fabric8.kubernetes.api.model.Container;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;

/** Starts a canary revision beside the current one, then moves all traffic to one of the two. */
public final class Rollouts {

    private final KnativeServices services;
    private final RevisionNames revisionNames;
    private final PrintStream out;

    public Rollouts(KnativeServices services, RevisionNames revisionNames, PrintStream out) {
        this.services = services;
        this.revisionNames = revisionNames;
        this.out = out;
    }

    /**
     * Creates a new revision (with {@code image}, or the same template under a new name) and gives it
     * {@code canaryPercent} of the traffic; the latest ready revision keeps the rest.
     *
     * @return the new revision's name
     */
    public String rollout(String name, int canaryPercent, Optional<String> image) {
        Service service = services.require(name);
        List<TrafficTarget> traffic = service.getSpec().getTraffic();
        Optional<TrafficTarget> canary = TrafficPlan.find(traffic, TrafficPlan.CANARY);
        if (canary.isPresent()) {
            throw new DeployException("Knative Service " + name + " already has a canary (revision "
                    + canary.get().getRevisionName() + " at " + canary.get().getPercent()
                    + "%); promote or rollback it first");
        }
        String current = service.getStatus() == null ? null : service.getStatus().getLatestReadyRevisionName();
        if (current == null) {
            throw new DeployException("Knative Service " + name + " has no ready revision to keep traffic on; "
                    + "see ./quiver status");
        }
        String revision = revisionNames.next(name);
        services.edit(name, live -> {
            Service next = new ServiceBuilder(live)
                    .editSpec().editTemplate().editOrNewMetadata().withName(revision).endMetadata().endTemplate()
                    .withTraffic(TrafficPlan.canary(current, revision, canaryPercent))
                    .endSpec().build();
            image.ifPresent(newImage -> servingContainer(next, name).setImage(newImage));
            return next;
        });
        out.printf("Knative Service %s: revision %s created%s; traffic %d%% to %s (tag %s), %d%% to %s (tag %s)%n",
                name, revision, image.map(i -> " with image " + i).orElse(" from the same template"),
                100 - canaryPercent, current, TrafficPlan.CURRENT, canaryPercent, revision, TrafficPlan.CANARY);
        out.println("The canary answers on its own URL (tag " + TrafficPlan.CANARY + ") once ready: ./quiver status");
        return revision;
    }

    public void promote(String name) {
        Service service = services.require(name);
        List<TrafficTarget> traffic = TrafficPlan.promote(name, service.getSpec().getTraffic());
        services.edit(name, live -> new ServiceBuilder(live).editSpec().withTraffic(traffic).endSpec().build());
        out.printf("Knative Service %s: 100%% to %s (tag %s), canary removed%n", name,
                traffic.getFirst().getRevisionName(), TrafficPlan.CURRENT);
    }

    public void rollback(String name) {
        Service service = services.require(name);
        List<TrafficTarget> traffic = TrafficPlan.rollback(name, service.getSpec().getTraffic());
        services.edit(name, live -> new ServiceBuilder(live).editSpec().withTraffic(traffic).endSpec().build());
        out.printf("Knative Service %s: 100%% back to %s (tag %s), canary removed%n", name,
                traffic.getFirst().getRevisionName(), TrafficPlan.CURRENT);
    }

    /** The container that serves requests: the one with a port when there are several, as Knative picks it. */
    private static Container servingContainer(Service service, String name) {
        List<Container> containers = service.getSpec().getTemplate().getSpec().getContainers();
        if (containers == null || containers.isEmpty()) {
            throw new DeployException("Knative Service " + name + " has no container to set an image on");
        }
        return containers.stream().filter(c -> c.getPorts() != null && !c.getPorts().isEmpty()).findFirst()
                .orElse(containers.getFirst());
    }
}
