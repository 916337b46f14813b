package dev.quiver.deploy.status;

import io.fabric8.knative.pkg.apis.Condition;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.knative.serving.v1.ServiceStatus;
import io.fabric8.knative.serving.v1.TrafficTarget;
import java.util.List;
import java.util.Optional;

/**
 * What an operator asks of a Knative Service: is it ready (and if not, why), which revisions exist and which are
 * ready, where traffic goes, and its URL. Traffic is read from the status (resolved by Knative's controller), or
 * from the spec while the controller has not reported yet.
 */
public record ServiceReport(String name, boolean ready, String reason, String message, String latestCreatedRevision,
        String latestReadyRevision, String url, List<TrafficRow> traffic) {

    public static ServiceReport of(Service service) {
        ServiceStatus status = Optional.ofNullable(service.getStatus()).orElseGet(ServiceStatus::new);
        Optional<Condition> ready = Optional.ofNullable(status.getConditions()).orElse(List.of()).stream()
                .filter(c -> "Ready".equals(c.getType())).findFirst();
        List<TrafficTarget> targets = status.getTraffic() != null && !status.getTraffic().isEmpty()
                ? status.getTraffic()
                : Optional.ofNullable(service.getSpec().getTraffic()).orElse(List.of());
        List<TrafficRow> traffic = targets.stream().map(t -> new TrafficRow(
                t.getRevisionName() != null ? t.getRevisionName()
                        : Boolean.TRUE.equals(t.getLatestRevision()) ? "(latest ready)" : "(unknown)",
                t.getPercent() == null ? 0 : t.getPercent(), t.getTag(), t.getUrl())).toList();
        return new ServiceReport(service.getMetadata().getName(),
                ready.map(c -> "True".equals(c.getStatus())).orElse(false),
                ready.map(Condition::getReason).orElse(ready.isEmpty() ? "NoStatus" : null),
                ready.map(Condition::getMessage)
                        .orElse(ready.isEmpty() ? "the Knative controller has not reported" : null),
                status.getLatestCreatedRevisionName(), status.getLatestReadyRevisionName(), status.getUrl(), traffic);
    }
}
