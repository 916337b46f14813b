package dev.quiver.deploy.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.deploy.KnativeController;
import dev.quiver.deploy.ToolRun;
import io.fabric8.knative.client.KnativeClient;
import io.fabric8.knative.pkg.apis.ConditionBuilder;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.knative.serving.v1.ServiceBuilder;
import io.fabric8.knative.serving.v1.ServiceStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class StatusCommandTest {

    KubernetesMockServer server;
    KubernetesClient client;

    @Test
    void reportsReadinessRevisionsTrafficWithTagsAndUrls() {
        KnativeController controller = new KnativeController(client.adapt(KnativeClient.class), "test");
        controller.createReady("quiver-inference", "quiver-inference-00001");
        ToolRun.run(server::createClient, "rollout", "quiver-inference", "--canary", "10%");
        controller.report("quiver-inference", "quiver-inference-00001");

        ToolRun run = ToolRun.run(server::createClient, "status");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains(
                "quiver-inference: ready",
                "  url: http://quiver-inference.test.example.com",
                "  latest created revision: quiver-inference-00001",
                "  latest ready revision:   quiver-inference-00001",
                "     90%  quiver-inference-00001  tag current  http://current-quiver-inference.test.example.com",
                "     10%  quiver-inference-abcde  tag canary  http://canary-quiver-inference.test.example.com");
    }

    @Test
    void saysWhyAServiceIsNotReady() {
        KnativeClient knative = client.adapt(KnativeClient.class);
        Service created = knative.services().inNamespace("test").resource(new ServiceBuilder()
                .withNewMetadata().withName("quiver-orchestration").endMetadata()
                .withNewSpec().withNewTemplate().withNewSpec().addNewContainer().withImage("nope:1").endContainer()
                .endSpec().endTemplate().endSpec().build()).create();
        created.setStatus(new ServiceStatusBuilder().withLatestCreatedRevisionName("quiver-orchestration-00001")
                .withConditions(new ConditionBuilder().withType("Ready").withStatus("False")
                        .withReason("RevisionMissing")
                        .withMessage("Configuration \"quiver-orchestration\" does not have any ready Revision.")
                        .build())
                .build());
        knative.services().inNamespace("test").resource(created).updateStatus();

        ToolRun run = ToolRun.run(server::createClient, "status", "--namespace", "test");

        assertThat(run.out()).contains("quiver-orchestration: not ready (RevisionMissing: Configuration "
                + "\"quiver-orchestration\" does not have any ready Revision.)", "latest ready revision:   (none)",
                "traffic:\n    (none)");
    }

    @Test
    void saysWhenANamespaceHasNoServices() {
        ToolRun run = ToolRun.run(server::createClient, "status", "--namespace", "empty");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).isEqualTo("no Knative Services in empty\n");
    }

    @Test
    void takesTheNamespaceBeforeTheCommandToo() {
        ToolRun run = ToolRun.run(server::createClient, "--namespace", "empty", "status");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("no Knative Services in empty\n");
    }
}
