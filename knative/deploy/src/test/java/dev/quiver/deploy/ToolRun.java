package dev.quiver.deploy;

import dev.quiver.deploy.judge.MetricsSource;
import dev.quiver.deploy.overlay.Overlays;
import dev.quiver.deploy.rollout.RevisionNames;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/** Runs the tool against a given cluster and captures what it prints. */
public record ToolRun(int exitCode, String out, String err) {

    public static ToolRun run(Supplier<KubernetesClient> cluster, MetricsSource metrics, String shortId,
            String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new QuiverDeploy(cluster, new Overlays(Fixtures.manifests().resolve("overlays")), metrics,
                new RevisionNames(() -> shortId), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)).execute(args);
        return new ToolRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    public static ToolRun run(Supplier<KubernetesClient> cluster, String... args) {
        return run(cluster, url -> {
            throw new AssertionError("no metrics expected, asked for " + url);
        }, "abcde", args);
    }
}
