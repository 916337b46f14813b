package dev.quiver.testservices;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TestAzuriteTest {

    @Test
    void withoutNodeJsTheAzureTestsAreSkippedSayingWhatToInstall() {
        ServiceSettings settings = ServiceSettingsTest.settings(Map.of("quiver.test.services", "embedded"), Map.of());
        assertThat(TestAzurite.unavailable(settings, "/nowhere")).hasValueSatisfying(reason -> assertThat(reason)
                .contains("'node' is not on the PATH")
                .contains("install Node.js, or point quiver.test.azurite.blob-endpoint at a running Azurite"));
    }
}
