package dev.quiver.deploy.judge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.quiver.deploy.KnativeController;
import dev.quiver.deploy.ToolRun;
import io.fabric8.knative.client.KnativeClient;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.List;
import java.util.Map;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class JudgeCommandTest {

    private static final String CANARY_URL = "http://canary-quiver-inference.test.example.com";
    private static final String CURRENT_URL = "http://current-quiver-inference.test.example.com";
    private static final String HEALTHY = """
        http_server_requests_seconds_bucket{status="200",uri="/predict",le="0.05"} 200
        http_server_requests_seconds_bucket{status="200",uri="/predict",le="+Inf"} 200
        http_server_requests_seconds_count{status="200",uri="/predict"} 200
        """;
    private static final String FAILING = HEALTHY + """
        http_server_requests_seconds_bucket{status="500",uri="/predict",le="0.05"} 10
        http_server_requests_seconds_bucket{status="500",uri="/predict",le="+Inf"} 10
        http_server_requests_seconds_count{status="500",uri="/predict"} 10
        """;

    KubernetesMockServer server;
    KubernetesClient client;

    @BeforeEach
    void canaryInProgress() {
        KnativeController controller = new KnativeController(client.adapt(KnativeClient.class), "test");
        controller.createReady("quiver-inference", "quiver-inference-00001");
        ToolRun.run(server::createClient, "rollout", "quiver-inference", "--canary", "10%");
        controller.report("quiver-inference", "quiver-inference-abcde");
    }

    @Test
    void promotesACanaryThatMeetsTheCriteria() {
        ToolRun run = judge(Map.of(CANARY_URL, HEALTHY, CURRENT_URL, HEALTHY), "--max-p99-ms", "100");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains(
                "canary  quiver-inference-abcde: 200 requests, 0 errors (rate 0.0000), p99 49.5 ms",
                "verdict: promote (every criterion met)", "100% to quiver-inference-abcde (tag current)");
        assertThat(traffic()).containsExactly(tuple("quiver-inference-abcde", 100L, "current"));
    }

    @Test
    void rollsBackACanaryWithTooManyErrors() {
        ToolRun run = judge(Map.of(CANARY_URL, FAILING, CURRENT_URL, HEALTHY));

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("210 requests, 10 errors (rate 0.0476)",
                "verdict: roll back (error rate 0.0476 above the maximum 0.0100)",
                "100% back to quiver-inference-00001");
        assertThat(traffic()).containsExactly(tuple("quiver-inference-00001", 100L, "current"));
    }

    @Test
    void rollsBackACanaryThatIsTooSlow() {
        ToolRun run = judge(Map.of(CANARY_URL, HEALTHY, CURRENT_URL, HEALTHY), "--max-p99-ms", "20");

        assertThat(run.out()).contains("verdict: roll back (p99 49.5 ms above the maximum 20.0 ms)");
    }

    @Test
    void decidesNothingBeforeTheCanaryServedEnoughRequests() {
        ToolRun run = judge(Map.of(CANARY_URL, HEALTHY, CURRENT_URL, HEALTHY), "--min-requests", "1000");

        assertThat(run.out()).contains("verdict: undecided", "nothing changed");
        assertThat(traffic()).extracting(t -> t.toList().get(2)).containsExactly("current", "canary");
    }

    private ToolRun judge(Map<String, String> metrics, String... options) {
        String[] args = new String[options.length + 2];
        args[0] = "judge";
        args[1] = "quiver-inference";
        System.arraycopy(options, 0, args, 2, options.length);
        return ToolRun.run(server::createClient, metrics::get, "zzzzz", args);
    }

    private List<Tuple> traffic() {
        return client.adapt(KnativeClient.class).services().inNamespace("test").withName("quiver-inference").get()
                .getSpec().getTraffic().stream()
                .map(t -> tuple(t.getRevisionName(), t.getPercent(), t.getTag())).toList();
    }
}
