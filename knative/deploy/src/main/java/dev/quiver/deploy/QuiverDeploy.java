package dev.quiver.deploy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.configfile.InvalidConfigException;
import dev.quiver.deploy.apply.AppliedResource;
import dev.quiver.deploy.apply.Outcome;
import dev.quiver.deploy.apply.ResourceApplier;
import dev.quiver.deploy.cluster.ClusterCall;
import dev.quiver.deploy.cluster.KnativeServices;
import dev.quiver.deploy.judge.CanaryJudge;
import dev.quiver.deploy.judge.Criteria;
import dev.quiver.deploy.judge.HttpMetricsSource;
import dev.quiver.deploy.judge.MetricsSource;
import dev.quiver.deploy.kueue.KueueManifests;
import dev.quiver.deploy.model.ModelRollouts;
import dev.quiver.deploy.overlay.OverlayRenderer;
import dev.quiver.deploy.overlay.Overlays;
import dev.quiver.deploy.rollout.RevisionNames;
import dev.quiver.deploy.rollout.Rollouts;
import dev.quiver.deploy.scale.PoolScale;
import dev.quiver.deploy.status.ServiceReport;
import dev.quiver.deploy.status.StatusPrinter;
import dev.quiver.pool.PoolFileReader;
import dev.quiver.pool.PoolSpec;
import io.fabric8.knative.client.KnativeClient;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The deploy tool's entry point: applies overlays, reports status and moves traffic between revisions. Each verb is a
 * subcommand; exit codes are 0 done, 1 failed (one line naming what and where), 2 wrong usage (the message and the
 * command's usage).
 */
@Command(name = "quiver-deploy", showDefaultValues = true,
        description = "Applies Quiver's Knative overlays and moves traffic between revisions.",
        footer = {"", "The cluster is the one of the current kubeconfig context:",
            "KUBECONFIG, ~/.kube/config, or in-cluster.", "Exit codes: 0 done, 1 failed, 2 wrong usage."})
public final class QuiverDeploy implements Runnable {

    private static final String SERVICE = "The Knative Service.";

    private final Supplier<KubernetesClient> clients;
    private final Overlays overlays;
    private final MetricsSource metrics;
    private final RevisionNames revisionNames;
    private final PrintStream out;
    private final PrintStream err;

    @Spec
    private CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, scope = ScopeType.INHERIT, description = "Show this help.")
    private boolean help;

    @Option(names = "--namespace", paramLabel = "NS", scope = ScopeType.INHERIT,
            description = "The namespace to work in; the kubeconfig context's when omitted.")
    private String namespace;

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
        System.exit(tool.execute(args));
    }

    /** The kubeconfig's cluster, with few retries: an unreachable API should fail in seconds, not minutes. */
    private static KubernetesClient connect() {
        Config config = new ConfigBuilder(Config.autoConfigure(null)).withRequestRetryBackoffLimit(1).build();
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    /** Runs one command; returns the exit code. */
    public int execute(String... args) {
        CommandLine line = new CommandLine(this);
        line.addSubcommand("model", new ModelRollouts(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .build(), out));
        line.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        line.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        line.setExecutionExceptionHandler((e, command, parsed) -> {
            if (e instanceof DeployException) {
                command.getErr().println("quiver-deploy: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        return line.execute(args);
    }

    /** Without a command there is nothing to do: a usage error. */
    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "no command given");
    }

    @Command(name = "deploy", showDefaultValues = true,
            description = "Render the overlay and create or update each of its resources.")
    void deploy(
            @Option(names = "--overlay", required = true, paramLabel = "<local|production|interactive|path>",
                    description = "A named overlay under knative/manifests/overlays, or a directory with a "
                            + "kustomization.yaml.") String overlay,
            @Option(names = "--dry-run", description = "Print the rendered resources without contacting the "
                    + "cluster.") boolean dryRun,
            @Option(names = "--pool", paramLabel = "FILE", description = "The pool file the orchestration function "
                    + "reads (quiver.pool.file): each serving function's Service gets the min-scale and max-scale "
                    + "its queue's quota gives it.") Path poolFile) {
        OverlayRenderer renderer = new OverlayRenderer();
        List<ObjectNode> resources = renderer.render(overlays.resolve(overlay));
        if (poolFile != null) {
            PoolScale.apply(resources, pool(poolFile));
        }
        if (dryRun) {
            out.print(renderer.toYaml(resources));
            return;
        }
        if (namespace != null) {
            resources.stream()
                    .filter(r -> r.path("metadata").hasNonNull("namespace"))
                    .filter(r -> !namespace.equals(r.path("metadata").path("namespace").asText()))
                    .findFirst().ifPresent(r -> {
                        throw usage("deploy", "the overlay puts " + r.path("kind").asText() + "/"
                                + r.path("metadata").path("name").asText() + " in namespace "
                                + r.path("metadata").path("namespace").asText() + ", which --namespace " + namespace
                                + " contradicts");
                    });
        }
        withCluster((client, services) -> {
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

    @Command(name = "kueue", description = "Print the Kueue resources of a pool file: a ResourceFlavor, a Cohort "
            + "per cohort, a ClusterQueue and a LocalQueue (in --namespace, default \"default\") per queue, a "
            + "WorkloadPriorityClass per priority class.")
    void kueue(@Option(names = "--pool", required = true, paramLabel = "FILE",
            description = "The pool file the orchestration function reads (quiver.pool.file).") Path file) {
        out.print(new OverlayRenderer().toYaml(KueueManifests.render(pool(file), namespace == null ? "default"
                : namespace)));
    }

    private static PoolSpec pool(Path file) {
        try {
            return PoolFileReader.read(file);
        } catch (InvalidConfigException e) {
            throw new DeployException(e.getMessage(), e);
        } catch (IOException e) {
            throw new DeployException("cannot read the pool file " + file + ": " + e.getMessage(), e);
        }
    }

    @Command(name = "status", description = "Each Knative Service: ready or why not, latest created and ready "
            + "revisions, traffic with tags and URLs, URL.")
    void status() {
        withCluster((client, services) -> new StatusPrinter(out).print(services.namespace(), services.all().stream()
                .map(ServiceReport::of).sorted(Comparator.comparing(ServiceReport::name)).toList()));
    }

    @Command(name = "rollout", description = "Create a new revision and give it N%% of the traffic (tag canary); the "
            + "latest ready revision keeps the rest (tag current).")
    void rollout(
            @Parameters(paramLabel = "SERVICE", description = SERVICE) String service,
            @Option(names = "--canary", required = true, paramLabel = "N%", converter = Percent.class,
                    description = "The canary's share of the traffic, from 0%% to 100%%.") int percent,
            @Option(names = "--image", paramLabel = "IMAGE", description = "The canary's image; the same template "
                    + "under a new revision name when omitted.") Optional<String> image) {
        withCluster((client, services) -> rollouts(services).rollout(service, percent, image));
    }

    @Command(name = "promote", description = "Send all traffic to the canary, which becomes current.")
    void promote(@Parameters(paramLabel = "SERVICE", description = SERVICE) String service) {
        withCluster((client, services) -> rollouts(services).promote(service));
    }

    @Command(name = "rollback", description = "Send all traffic back to current and remove the canary.")
    void rollback(@Parameters(paramLabel = "SERVICE", description = SERVICE) String service) {
        withCluster((client, services) -> rollouts(services).rollback(service));
    }

    @Command(name = "judge", showDefaultValues = true, description = "Compare the canary's and current's metrics "
            + "(from their tag URLs), then promote or roll back.")
    void judge(
            @Parameters(paramLabel = "SERVICE", description = SERVICE) String service,
            @Option(names = "--max-error-rate", paramLabel = "RATE", defaultValue = "0.01",
                    description = "The highest share of 5xx answers, from 0 to 1, the canary may have.")
            double maxErrorRate,
            @Option(names = "--max-p99-ms", paramLabel = "MS", description = "The highest p99 latency the canary "
                    + "may have; not judged when omitted.") Double maxP99Millis,
            @Option(names = "--min-requests", paramLabel = "N", defaultValue = "1",
                    description = "Requests the canary must have served before it is judged.") long minRequests) {
        if (!(maxErrorRate >= 0 && maxErrorRate <= 1)) {
            throw usage("judge", "--max-error-rate must be a fraction from 0 to 1, got " + maxErrorRate);
        }
        if (maxP99Millis != null && !(maxP99Millis > 0)) {
            throw usage("judge", "--max-p99-ms must be a positive number of milliseconds, got " + maxP99Millis);
        }
        if (minRequests < 1) {
            throw usage("judge", "--min-requests must be at least 1, got " + minRequests);
        }
        Criteria criteria = new Criteria(maxErrorRate,
                maxP99Millis == null ? OptionalDouble.empty() : OptionalDouble.of(maxP99Millis), minRequests);
        withCluster((client, services) -> new CanaryJudge(services, rollouts(services), metrics, out)
                .judge(service, criteria));
    }

    private ParameterException usage(String command, String message) {
        return new ParameterException(spec.subcommands().get(command), command + ": " + message);
    }

    private Rollouts rollouts(KnativeServices services) {
        return new Rollouts(services, revisionNames, out);
    }

    private interface ClusterWork {
        void run(KubernetesClient client, KnativeServices services);
    }

    private void withCluster(ClusterWork work) {
        try (KubernetesClient client = clients.get()) {
            String inNamespace = Optional.ofNullable(namespace)
                    .orElse(Optional.ofNullable(client.getNamespace()).orElse("default"));
            work.run(client, new KnativeServices(client.adapt(KnativeClient.class), new ClusterCall(apiUrl(client)),
                    inNamespace));
        }
    }

    private static String apiUrl(KubernetesClient client) {
        return String.valueOf(client.getMasterUrl());
    }

    /** {@code 10%} or {@code 10}: a whole percentage from 0 to 100. */
    static final class Percent implements CommandLine.ITypeConverter<Integer> {

        @Override
        public Integer convert(String value) {
            String digits = value.endsWith("%") ? value.substring(0, value.length() - 1) : value;
            try {
                int percent = Integer.parseInt(digits);
                if (percent >= 0 && percent <= 100) {
                    return percent;
                }
            } catch (NumberFormatException e) {
                // falls through to the error below, which quotes the value
            }
            throw new CommandLine.TypeConversionException("must be a percentage from 0% to 100%, got " + value);
        }
    }
}
