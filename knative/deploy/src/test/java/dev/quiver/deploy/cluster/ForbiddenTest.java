package dev.quiver.deploy.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.deploy.ToolRun;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.Test;

/** The API server refuses: the message says which verb on which resource in which namespace was not allowed. */
@EnableKubernetesMockClient
class ForbiddenTest {

    KubernetesMockServer server;

    @Test
    void namesTheRefusedVerbResourceAndNamespace() {
        server.expect().get().withPath("/apis/serving.knative.dev/v1/namespaces/test/services")
                .andReturn(403, new StatusBuilder().withCode(403).withReason("Forbidden").withMessage(
                        "services.serving.knative.dev is forbidden: User \"ci\" cannot list resource \"services\"")
                        .build())
                .once();

        ToolRun run = ToolRun.run(server::createClient, "status");

        assertThat(run.exitCode()).isOne();
        assertThat(run.err()).contains("not allowed to list services.serving.knative.dev in test: "
                + "services.serving.knative.dev is forbidden: User \"ci\" cannot list resource \"services\"");
    }

    @Test
    void namesTheRefusedCreate() {
        server.expect().get().withPath("/apis/serving.knative.dev/v1/namespaces/quiver/services/quiver-inference")
                .andReturn(404, new StatusBuilder().withCode(404).build()).once();
        server.expect().post().withPath("/apis/serving.knative.dev/v1/namespaces/quiver/services")
                .andReturn(403, new StatusBuilder().withCode(403).withMessage("denied by policy").build()).once();

        ToolRun run = ToolRun.run(server::createClient, "deploy", "--overlay", "production");

        assertThat(run.exitCode()).isOne();
        assertThat(run.err())
                .contains("not allowed to create services.serving.knative.dev in quiver: denied by policy");
    }

    @Test
    void saysWhenKnativeIsNotInstalled() {
        server.expect().get().withPath("/apis/serving.knative.dev/v1/namespaces/test/services")
                .andReturn(404, new StatusBuilder().withCode(404).withMessage("the server could not find the requested "
                        + "resource").build()).once();

        ToolRun run = ToolRun.run(server::createClient, "status");

        assertThat(run.err()).contains("cannot list services.serving.knative.dev in test", "is Knative installed");
    }
}
