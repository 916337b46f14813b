package dev.quiver.deploy.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.deploy.ToolRun;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class NoClusterTest {

    @Test
    void saysTheApiCannotBeReachedAndWhere() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        String url = "http://127.0.0.1:" + port;

        ToolRun run = ToolRun.run(() -> new KubernetesClientBuilder().withConfig(new ConfigBuilder()
                .withMasterUrl(url).withNamespace("quiver").withRequestRetryBackoffLimit(0).build()).build(),
                "promote", "quiver-inference");

        assertThat(run.exitCode()).isOne();
        assertThat(run.err()).startsWith("quiver-deploy: cannot reach the Kubernetes API at " + url)
                .containsIgnoringCase("connection refused");
    }
}
