package dev.quiver.testservices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.testservices.ServiceSettings.Choice;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceSettingsTest {

    @Test
    void withNothingSetTheTestsLookForTheServersOfADeveloperMachine() {
        ServiceSettings settings = settings(Map.of(), Map.of());
        assertThat(settings.choice()).isEqualTo(Choice.AUTO);
        assertThat(settings.postgresqlUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:5432/test");
        assertThat(settings.postgresqlUser()).isEqualTo("postgres");
        assertThat(settings.postgresqlPassword()).isEmpty();
        assertThat(settings.postgresqlAddress()).isEqualTo(new Address("127.0.0.1", 5432));
        assertThat(settings.redisAddress()).isEqualTo(new Address("127.0.0.1", 6379));
        assertThat(settings.azuriteAddress()).isEqualTo(new Address("127.0.0.1", 10000));
    }

    @Test
    void anEnvironmentVariableSetsWhatNoSystemPropertySets() {
        ServiceSettings settings = settings(Map.of("quiver.test.redis.uri", "redis://cache:7000"),
                Map.of("QUIVER_TEST_REDIS_URI", "redis://ignored:1", "QUIVER_TEST_SERVICES", "embedded",
                        "QUIVER_TEST_POSTGRESQL_URL", "jdbc:postgresql://db/quiver?ssl=false"));
        assertThat(settings.redisAddress()).isEqualTo(new Address("cache", 7000));
        assertThat(settings.choice()).isEqualTo(Choice.EMBEDDED);
        assertThat(settings.postgresqlAddress()).as("the default port").isEqualTo(new Address("db", 5432));
    }

    @Test
    void aBadValueIsRefusedWithTheSettingAndWhatWasExpected() {
        assertThatThrownBy(() -> settings(Map.of("quiver.test.services", "docker"), Map.of()))
                .hasMessage("quiver.test.services: expected auto, external or embedded, got 'docker'");
        assertThatThrownBy(() -> settings(Map.of(), Map.of("QUIVER_TEST_POSTGRESQL_URL", "postgres://db:5432/test")))
                .hasMessageStartingWith("quiver.test.postgresql.url: expected a JDBC URL such as");
        assertThatThrownBy(() -> settings(Map.of("quiver.test.redis.uri", "127.0.0.1:6379"), Map.of()))
                .hasMessageStartingWith("quiver.test.redis.uri: expected a URI such as redis://127.0.0.1:6379");
        assertThatThrownBy(() -> settings(Map.of(), Map.of("QUIVER_TEST_AZURITE_BLOB_ENDPOINT", "127.0.0.1:10000")))
                .hasMessageStartingWith("quiver.test.azurite.blob-endpoint: expected a URI such as "
                        + "http://127.0.0.1:10000/devstoreaccount1");
    }

    static ServiceSettings settings(Map<String, String> properties, Map<String, String> environment) {
        return ServiceSettings.of(properties::get, environment::get);
    }
}
