package dev.quiver.deploy.kueue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.deploy.DeployException;
import dev.quiver.pool.CohortSpec;
import dev.quiver.pool.PoolSpec;
import dev.quiver.pool.PriorityClass;
import dev.quiver.pool.Quantity;
import dev.quiver.pool.QueueSpec;
import dev.quiver.pool.Quota;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The pool file as Kueue resources, so that on Kubernetes Kueue admits Jobs by the same queues, quotas and priorities
 * as the orchestration function's own scheduler: one ResourceFlavor, a Cohort per cohort, a ClusterQueue and a
 * LocalQueue per queue, a WorkloadPriorityClass per priority class.
 */
public final class KueueManifests {

    static final String API = "kueue.x-k8s.io/v1beta2";

    /** The one flavor every quota is of: the pool does not tell kinds of nodes apart. */
    public static final String FLAVOR = "quiver-default";

    private static final ObjectMapper JSON = new ObjectMapper();

    private KueueManifests() {
    }

    /**
     * @param namespace where the LocalQueues are, the namespace the Jobs are created in
     * @throws DeployException when a quota is {@code unlimited}, which Kueue has no way to say
     */
    public static List<ObjectNode> render(PoolSpec pool, String namespace) {
        List<ObjectNode> resources = new ArrayList<>();
        ObjectNode flavor = resource("ResourceFlavor", FLAVOR);
        flavor.putObject("spec");
        resources.add(flavor);
        for (CohortSpec cohort : pool.cohorts().values()) {
            ObjectNode resource = resource("Cohort", cohort.name());
            ObjectNode spec = resource.putObject("spec");
            cohort.parent().ifPresent(parent -> spec.put("parentName", parent));
            if (!cohort.quota().isEmpty()) {
                spec.set("resourceGroups", resourceGroups(pool, cohort.quota(), "cohorts." + cohort.name()));
            }
            spec.putObject("fairSharing").put("weight", weight(cohort.weight()));
            resources.add(resource);
        }
        for (QueueSpec queue : pool.queues().values()) {
            ObjectNode resource = resource("ClusterQueue", queue.name());
            ObjectNode spec = resource.putObject("spec");
            queue.cohort().ifPresent(cohort -> spec.put("cohortName", cohort));
            spec.putObject("namespaceSelector");
            spec.put("queueingStrategy", queue.queueing().kueue);
            spec.set("resourceGroups", resourceGroups(pool, queue.quota(), "queues." + queue.name()));
            ObjectNode preemption = spec.putObject("preemption");
            preemption.put("withinClusterQueue", queue.preemption().withinQueue().kueue);
            preemption.put("reclaimWithinCohort", queue.preemption().reclaimWithinCohort().kueue);
            spec.putObject("fairSharing").put("weight", weight(queue.weight()));
            resources.add(resource);
        }
        for (QueueSpec queue : pool.queues().values()) {
            ObjectNode resource = resource("LocalQueue", queue.name());
            ((ObjectNode) resource.get("metadata")).put("namespace", namespace);
            resource.putObject("spec").put("clusterQueue", queue.name());
            resources.add(resource);
        }
        for (PriorityClass priority : pool.priorityClasses().values()) {
            ObjectNode resource = resource("WorkloadPriorityClass", priority.name());
            resource.put("value", priority.value());
            resource.put("description", priority.preempting() ? "Quiver priority class " + priority.name()
                    : "Quiver priority class " + priority.name() + "; in Quiver's own scheduler it preempts nothing");
            resources.add(resource);
        }
        return resources;
    }

    private static ObjectNode resource(String kind, String name) {
        ObjectNode resource = JSON.createObjectNode();
        resource.put("apiVersion", API);
        resource.put("kind", kind);
        ObjectNode metadata = resource.putObject("metadata");
        metadata.put("name", name);
        metadata.putObject("labels").put("app.kubernetes.io/part-of", "quiver");
        return resource;
    }

    private static ArrayNode resourceGroups(PoolSpec pool, Map<String, Quota> quotas, String path) {
        ArrayNode groups = JSON.createArrayNode();
        ObjectNode group = groups.addObject();
        ArrayNode covered = group.putArray("coveredResources");
        pool.resources().forEach(covered::add);
        ObjectNode flavor = group.putArray("flavors").addObject();
        flavor.put("name", FLAVOR);
        ArrayNode resources = flavor.putArray("resources");
        for (String name : pool.resources()) {
            Quota quota = quotas.getOrDefault(name, Quota.NONE);
            ObjectNode resource = resources.addObject();
            resource.put("name", name);
            resource.put("nominalQuota", amount(quota.nominal(), path + ".quota." + name + ".nominal"));
            quota.borrowingLimit().ifPresent(limit -> resource.put("borrowingLimit", amount(limit,
                    path + ".quota." + name + ".borrowing-limit")));
            quota.lendingLimit().ifPresent(limit -> resource.put("lendingLimit", amount(limit,
                    path + ".quota." + name + ".lending-limit")));
        }
        return groups;
    }

    private static String amount(long millis, String path) {
        if (millis >= Quantity.UNLIMITED) {
            throw new DeployException(path + ": unlimited has no Kueue quota; give the pool file an amount");
        }
        return Quantity.format(millis);
    }

    private static String weight(double weight) {
        return BigDecimal.valueOf(weight).stripTrailingZeros().toPlainString();
    }
}
