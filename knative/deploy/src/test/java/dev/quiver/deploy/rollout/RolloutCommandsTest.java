package dev.quiver.deploy.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.quiver.deploy.KnativeController;
import dev.quiver.deploy.ToolRun;
import io.fabric8.knative.client.KnativeClient;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.knative.serving.v1.TrafficTarget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class RolloutCommandsTest {

    private static final String SERVICE = "quiver-inference";
    private static final String FIRST = "quiver-inference-00001";
    private static final String CANARY = "quiver-inference-abcde";

    KubernetesMockServer server;
    KubernetesClient client;
    KnativeController controller;

    @BeforeEach
    void readyService() {
        controller = new KnativeController(client.adapt(KnativeClient.class), "test");
        controller.createReady(SERVICE, FIRST);
    }

    @Test
    void rolloutCreatesANamedRevisionWithTheNewImageAndSplitsTraffic() {
        ToolRun run = ToolRun.run(server::createClient, "rollout", SERVICE, "--canary", "10%", "--image",
                "quiver-inference:0.2.0");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("revision " + CANARY + " created with image quiver-inference:0.2.0",
                "traffic 90% to " + FIRST + " (tag current), 10% to " + CANARY + " (tag canary)");
        Service service = service();
        assertThat(service.getSpec().getTemplate().getMetadata().getName()).isEqualTo(CANARY);
        assertThat(service.getSpec().getTemplate().getSpec().getContainers().getFirst().getImage())
                .isEqualTo("quiver-inference:0.2.0");
        assertThat(service.getSpec().getTraffic())
                .extracting(TrafficTarget::getRevisionName, TrafficTarget::getPercent, TrafficTarget::getTag)
                .containsExactly(tuple(FIRST, 90L, "current"), tuple(CANARY, 10L, "canary"));
    }

    @Test
    void rolloutWithoutImageKeepsTheTemplateUnderANewName() {
        ToolRun run = ToolRun.run(server::createClient, "rollout", SERVICE, "--canary", "25");

        assertThat(run.out()).contains("from the same template");
        assertThat(service().getSpec().getTemplate().getSpec().getContainers().getFirst().getImage())
                .isEqualTo("quiver-inference:0.1.0");
        assertThat(service().getSpec().getTraffic()).extracting(TrafficTarget::getPercent).containsExactly(75L, 25L);
    }

    @Test
    void promoteGivesTheCanaryAllTrafficAsCurrent() {
        ToolRun.run(server::createClient, "rollout", SERVICE, "--canary", "10%", "--image", "quiver-inference:0.2.0");
        controller.report(SERVICE, CANARY);

        ToolRun run = ToolRun.run(server::createClient, "promote", SERVICE);

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("100% to " + CANARY + " (tag current), canary removed");
        assertThat(service().getSpec().getTraffic())
                .extracting(TrafficTarget::getRevisionName, TrafficTarget::getPercent, TrafficTarget::getTag)
                .containsExactly(tuple(CANARY, 100L, "current"));
    }

    @Test
    void rollbackGivesTheCurrentRevisionAllTraffic() {
        ToolRun.run(server::createClient, "rollout", SERVICE, "--canary", "10%", "--image", "quiver-inference:0.2.0");
        controller.report(SERVICE, CANARY);

        ToolRun run = ToolRun.run(server::createClient, "rollback", SERVICE);

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("100% back to " + FIRST + " (tag current), canary removed");
        assertThat(service().getSpec().getTraffic())
                .extracting(TrafficTarget::getRevisionName, TrafficTarget::getPercent, TrafficTarget::getTag)
                .containsExactly(tuple(FIRST, 100L, "current"));
    }

    @Test
    void aSecondRolloutAfterPromotionKeepsThePromotedRevisionAsCurrent() {
        ToolRun.run(server::createClient, "rollout", SERVICE, "--canary", "10%", "--image", "quiver-inference:0.2.0");
        controller.report(SERVICE, CANARY);
        ToolRun.run(server::createClient, "promote", SERVICE);

        ToolRun run = ToolRun.run(server::createClient, url -> "", "fghij", "rollout", SERVICE, "--canary",
                "50%", "--image", "quiver-inference:0.3.0");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(service().getSpec().getTraffic())
                .extracting(TrafficTarget::getRevisionName, TrafficTarget::getPercent, TrafficTarget::getTag)
                .containsExactly(tuple(CANARY, 50L, "current"), tuple("quiver-inference-fghij", 50L, "canary"));
    }

    @Test
    void refusesASecondCanaryWhileOneIsInProgress() {
        ToolRun.run(server::createClient, "rollout", SERVICE, "--canary", "10%");

        ToolRun run = ToolRun.run(server::createClient, "rollout", SERVICE, "--canary", "20%");

        assertThat(run.exitCode()).isOne();
        assertThat(run.err()).contains("already has a canary (revision " + CANARY + " at 10%); promote or rollback");
    }

    @Test
    void promoteAndRollbackWithoutCanaryFailClearly() {
        ToolRun promote = ToolRun.run(server::createClient, "promote", SERVICE);
        ToolRun rollback = ToolRun.run(server::createClient, "rollback", SERVICE);

        assertThat(promote.exitCode()).isOne();
        assertThat(promote.err()).contains("has no revision tagged canary");
        assertThat(rollback.err()).contains("has no revision tagged current");
    }

    @Test
    void refusesAPercentageOutOfRange() {
        ToolRun run = ToolRun.run(server::createClient, "rollout", SERVICE, "--canary", "120%");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("'--canary': must be a percentage from 0% to 100%, got 120%");
    }

    @Test
    void namesTheServicesThatExistWhenOneIsUnknown() {
        ToolRun run = ToolRun.run(server::createClient, "promote", "quiver-infrence");

        assertThat(run.exitCode()).isOne();
        assertThat(run.err()).contains("no Knative Service quiver-infrence in test; services: quiver-inference");
    }

    private Service service() {
        return client.adapt(KnativeClient.class).services().inNamespace("test").withName(SERVICE).get();
    }
}
