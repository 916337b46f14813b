package dev.quiver.deploy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.deploy.apply.AppliedResource;
import dev.quiver.deploy.apply.Outcome;
import dev.quiver.deploy.apply.ResourceApplier;
import dev.quiver.deploy.cluster.ClusterCall;
import dev.quiver.deploy.cluster.KnativeServices;
import dev.quiver.deploy.judge.CanaryJudge;
import dev.quiver.deploy.judge.Criteria;
import dev.quiver.deploy.judge.HttpMetricsSource;
import dev.quiver.deploy.judge.MetricsSource;
import dev.quiver.deploy.overlay.OverlayRenderer;
import dev.quiver.deploy.overlay.Overlays;
import dev.quiver.deploy.rollout.RevisionNames;
import dev.quiver.deploy.rollout.Rollouts;
import dev.quiver.deploy.status.ServiceReport;
import dev.quiver.deploy.status.StatusPrinter;
import io.fabric8.knative.client.KnativeClient;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/** The deploy tool's entry point: applies overlays, reports status and moves traffic between revisions. */
public final class QuiverDeploy {

    static final String USAGE = """
        usage: quiver-deploy <command> [arguments]

          deploy --overlay <local|production|path> [--namespace NS] [--dry-run]
                   render the overlay and create or update each resource; --dry-run prints the rendered
                   resources without contacting the cluster
          status [--namespace NS]
                   each Knative Service: ready or why not, latest created and ready revisions, traffic, URL
          rollout <service> --canary <N%> [--image IMAGE] [--namespace NS]
                   create a new revision and give it N% of the traffic (tag canary); the latest ready
                   revision keeps the rest (tag current)
          promote <service> [--namespace NS]     100% to the canary, which becomes current
          rollback <service> [--namespace NS]    100% back to current, canary removed
          judge <service> [--max-error-rate 0.01] [--max-p99-ms MS] [--min-requests 1] [--namespace NS]
                   compare the canary's and current's metrics (from their tag URLs) and promote or roll back

        The cluster is the one of the current kubeconfig context (KUBECONFIG, ~/.kube/config, or in-cluster).
        Exit codes: 0 done, 1 failed, 2 wrong usage.
        """;

    private final Supplier<KubernetesClient> clients;
    private final Overlays overlays;
    private final MetricsSource metrics;
    private final RevisionNames revisionNames;
    private final PrintStream out;
    private final PrintStream err;

    public QuiverDeploy(Supplier<KubernetesClient> clients, Overlays overlays, MetricsSource metrics,
            RevisionNames revisionNames, PrintStream out, PrintStream err) {
        this.clients = clients;
        this.overlays = overlays;
        this.metrics = metrics;
        this.revisionNames = revisionNames;
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        Path root = Path.of(Optional.ofNullable(System.getenv("QUIVER_ROOT")).orElse("."));
        QuiverDeploy tool = new QuiverDeploy(QuiverDeploy::connect,
                new Overlays(root.resolve("knative/manifests/overlays")), new HttpMetricsSource(),
                RevisionNames.random(), System.out, System.err);
        System.exit(tool.run(args));
    }

    /** The kubeconfig's cluster, with few retries: an unreachable API should fail in seconds, not minutes. */
    private static KubernetesClient connect() {
        Config config = new ConfigBuilder(Config.autoConfigure(null)).withRequestRetryBackoffLimit(1).build();
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    /** Runs one command; returns the exit code. */
    public int run(String... args) {
        try {
            CommandLine line = CommandLine.parse(args);
            if (line.command().equals("help") || line.flag("help")) {
                out.print(USAGE);
                return 0;
            }
            execute(line);
            return 0;
        } catch (UsageException e) {
            err.println("quiver-deploy: " + e.getMessage());
            err.print(USAGE);
            return 2;
        } catch (DeployException e) {
            err.println("quiver-deploy: " + e.getMessage());
            return 1;
        }
    }

    private void execute(CommandLine line) {
        switch (line.command()) {
            case "deploy" -> deploy(line.expect(0, "", Set.of("overlay", "namespace", "dry-run")));
            case "status" -> withCluster(line.expect(0, "", Set.of("namespace")), (client, services) ->
                    new StatusPrinter(out).print(services.namespace(), services.all().stream()
                            .map(ServiceReport::of).sorted(Comparator.comparing(ServiceReport::name)).toList()));
            case "rollout" -> {
                line.expect(1, "service", Set.of("canary", "image", "namespace"));
                int percent = percent(line.required("canary"));
                withCluster(line, (client, services) -> rollouts(services)
                        .rollout(line.arguments().getFirst(), percent, line.option("image")));
            }
            case "promote" -> withCluster(line.expect(1, "service", Set.of("namespace")),
                    (client, services) -> rollouts(services).promote(line.arguments().getFirst()));
            case "rollback" -> withCluster(line.expect(1, "service", Set.of("namespace")),
                    (client, services) -> rollouts(services).rollback(line.arguments().getFirst()));
            case "judge" -> {
                line.expect(1, "service", Set.of("max-error-rate", "max-p99-ms", "min-requests", "namespace"));
                Criteria defaults = Criteria.defaults();
                Criteria criteria = defaults.withMaxErrorRate(line.number("max-error-rate", defaults.maxErrorRate()))
                        .withMinRequests((long) line.number("min-requests", defaults.minRequests()));
                Criteria withP99 = line.option("max-p99-ms").isPresent()
                        ? criteria.withMaxP99Millis(line.number("max-p99-ms", 0)) : criteria;
                withCluster(line, (client, services) -> new CanaryJudge(services, rollouts(services), metrics, out)
                        .judge(line.arguments().getFirst(), withP99));
            }
            default -> throw new UsageException("unknown command '" + line.command() + "'");
        }
    }

    private void deploy(CommandLine line) {
        OverlayRenderer renderer = new OverlayRenderer();
        List<ObjectNode> resources = renderer.render(overlays.resolve(line.required("overlay")));
        if (line.flag("dry-run")) {
            out.print(renderer.toYaml(resources));
            return;
        }
        line.option("namespace").ifPresent(namespace -> resources.stream()
                .filter(r -> r.path("metadata").hasNonNull("namespace"))
                .filter(r -> !namespace.equals(r.path("metadata").path("namespace").asText()))
                .findFirst().ifPresent(r -> {
                    throw new UsageException("deploy: the overlay puts " + r.path("kind").asText() + "/"
                            + r.path("metadata").path("name").asText() + " in namespace "
                            + r.path("metadata").path("namespace").asText() + ", which --namespace " + namespace
                            + " contradicts");
                }));
        withCluster(line, (client, services) -> {
            List<AppliedResource> applied = new ResourceApplier(client, new ClusterCall(apiUrl(client)), revisionNames)
                    .apply(resources, services.namespace());
            applied.forEach(out::println);
            Map<Outcome, Integer> counts = new EnumMap<>(Outcome.class);
            applied.forEach(a -> counts.merge(a.outcome(), 1, Integer::sum));
            if (counts.keySet().equals(Set.of(Outcome.UNCHANGED))) {
                out.println("no changes: all " + applied.size() + " resources are as the overlay says");
            } else {
                out.printf("%d created, %d configured, %d unchanged%n", counts.getOrDefault(Outcome.CREATED, 0),
                        counts.getOrDefault(Outcome.CONFIGURED, 0), counts.getOrDefault(Outcome.UNCHANGED, 0));
            }
        });
    }

    private Rollouts rollouts(KnativeServices services) {
        return new Rollouts(services, revisionNames, out);
    }

    private interface ClusterWork {
        void run(KubernetesClient client, KnativeServices services);
    }

    private void withCluster(CommandLine line, ClusterWork work) {
        try (KubernetesClient client = clients.get()) {
            String namespace = line.option("namespace")
                    .orElse(Optional.ofNullable(client.getNamespace()).orElse("default"));
            work.run(client, new KnativeServices(client.adapt(KnativeClient.class), new ClusterCall(apiUrl(client)),
                    namespace));
        }
    }

    private static String apiUrl(KubernetesClient client) {
        return String.valueOf(client.getMasterUrl());
    }

    private static int percent(String value) {
        String digits = value.endsWith("%") ? value.substring(0, value.length() - 1) : value;
        try {
            int percent = Integer.parseInt(digits);
            if (percent >= 0 && percent <= 100) {
                return percent;
            }
        } catch (NumberFormatException e) {
            // falls through to the usage error below, which quotes the value
        }
        throw new UsageException("rollout: --canary must be a percentage from 0% to 100%, got " + value);
    }
}
