package dev.quiver.deploy.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.quiver.deploy.ToolRun;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code model ...}: the request each verb makes of the inference function's rollout endpoints (method, path, key,
 * body) and how its answer and its refusals are shown. The endpoints themselves are tested in the inference function
 * ({@code RolloutEndpointsTest}); here a local HTTP server records the requests and answers what they answer.
 */
class ModelRolloutsTest {

    private static final Supplier<KubernetesClient> NO_CLUSTER = () -> {
        throw new AssertionError("model rollouts never contact the cluster");
    };
    private static final String STATUS = """
            {"rollout": {"model": "digits", "status": "running", "stable_version": 1, "canary_version": 2,
              "steps": [5, 25, 50, 100], "step": 1, "bake_seconds": 120,
              "history": [{"at": "2026-03-01T10:00:00Z", "action": "START", "step": 0, "weight": 5,
                           "by": "admin key:ab12", "reasons": ["version 2 against stable version 1"]},
                          {"at": "2026-03-01T10:02:10Z", "action": "ADVANCE", "step": 0, "weight": 25,
                           "by": "controller pod-a", "reasons": ["fault rate 0% against the stable version's 0%"]}]},
             "weight": 25, "judged_from": "2026-03-01T10:04:10Z",
             "stable": {"requests": 900, "faults": 1, "output_check_failures": 0, "fallbacks": 0},
             "canary": {"requests": 40, "faults": 0, "output_check_failures": 0, "fallbacks": 0},
             "judgement": {"decision": "WAIT", "reasons": ["the canary has served 40 of the 100 requests a step needs"]},
             "stored_in": "/srv/models"}""";

    private HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private volatile int status = 200;
    private volatile String answer = STATUS;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " key="
                    + exchange.getRequestHeaders().getFirst("X-API-Key") + " "
                    + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            byte[] body = answer.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String url() {
        return "--url=http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Test
    void rolloutPostsThePlanWithTheAdminKeyAndPrintsTheStatus() {
        ToolRun run = ToolRun.run(NO_CLUSTER, "model", "rollout", "digits", "--version", "2", "--steps",
                "5,25,50,100", "--bake", "2m", "--min-requests", "50", "--key", "secret", url());

        assertThat(run.exitCode()).isZero();
        assertThat(requests).containsExactly("POST /v2/models/digits/rollout key=secret {\"version\":2,\"steps\":"
                + "[5,25,50,100],\"bake\":\"2m\",\"criteria\":{\"min_requests\":50}}");
        assertThat(run.out()).contains("model digits: version 2 against stable version 1, running",
                "canary weight 25%, step 2 of 4 [5, 25, 50, 100], each baking 120 s",
                "canary: 40 requests, 0 faults", "the judge would now: WAIT",
                "the canary has served 40 of the 100 requests a step needs",
                "2026-03-01T10:02:10Z ADVANCE  step 1, canary 25%, by controller pod-a", "kept in /srv/models");
    }

    @Test
    void statusPromoteAndRollbackAskTheirEndpoints() {
        assertThat(ToolRun.run(NO_CLUSTER, "model", "status", "digits", url(), "--key=k").exitCode()).isZero();
        assertThat(ToolRun.run(NO_CLUSTER, "model", "promote", "digits", url(), "--key=k").exitCode()).isZero();
        assertThat(ToolRun.run(NO_CLUSTER, "model", "rollback", "digits", url(), "--key=k").exitCode()).isZero();
        assertThat(requests).containsExactly("GET /v2/models/digits/rollout key=k ",
                "POST /v2/models/digits/rollout/promote key=k {}", "POST /v2/models/digits/rollout/rollback key=k {}");
    }

    @Test
    void aRefusalIsOneLineWithTheFunctionsError() {
        status = 409;
        answer = "{\"error\": \"model digits has a rollout under way: version 2 at 25% against version 1\"}";
        ToolRun run = ToolRun.run(NO_CLUSTER, "model", "rollout", "digits", "--version=3", url(), "--key=k");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("quiver-deploy: POST http://127.0.0.1:" + server.getAddress().getPort()
                + "/v2/models/digits/rollout: 409 model digits has a rollout under way: version 2 at 25% against "
                + "version 1\n");
    }

    @Test
    void withoutAKeyTheRefusalSaysHowToGiveOne() {
        status = 401;
        answer = "{\"error\": \"model rollouts: an admin credential is required (X-API-Key or Authorization: "
                + "Bearer)\"}";
        ToolRun run = ToolRun.run(NO_CLUSTER, "model", "status", "digits", url());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("401 model rollouts: an admin credential is required",
                "(give an admin key with --key or QUIVER_ADMIN_KEY)");
    }

    @Test
    void theVersionIsRequired() {
        ToolRun run = ToolRun.run(NO_CLUSTER, "model", "rollout", "digits", url());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("Missing required option: '--version=N'");
        assertThat(requests).isEmpty();
    }
}
