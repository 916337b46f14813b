package dev.quiver.testservices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/** Which PostgreSQL the tests get: the configured one when something answers there, else a real one of their own. */
class TestPostgresTest {

    @Test
    void theConfiguredServerIsUsedWhenSomethingAnswersThere() throws IOException {
        try (ServerSocket listening = new ServerSocket(0)) {
            String configured = "jdbc:postgresql://127.0.0.1:" + listening.getLocalPort() + "/quiver";
            TestPostgres postgres = TestPostgres.start(settings("auto", configured));
            assertThat(postgres.jdbcUrl()).isEqualTo(configured);
            assertThat(postgres.user()).isEqualTo("tester");
        }
    }

    @Test
    @DisabledIfSystemProperty(named = "user.name", matches = "root", disabledReason = "PostgreSQL refuses root")
    void aRealServerIsStartedWhenNothingAnswersAndTestsWorkInSchemasOfTheirOwn() throws Exception {
        String configured = "jdbc:postgresql://127.0.0.1:" + Address.freeLoopback().port() + "/quiver";
        TestPostgres postgres = TestPostgres.start(settings("auto", configured));
        assertThat(postgres.jdbcUrl()).isNotEqualTo(configured);
        try (TestPostgres.Schema schema = postgres.newSchema("quiver_check");
             Connection connection = schema.dataSource().getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute("create table answers (value int)");
            statement.execute("insert into answers values (42)");
            try (ResultSet rows = statement.executeQuery("select current_schema(), value from answers")) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getString(1)).isEqualTo(schema.name());
                assertThat(rows.getInt(2)).isEqualTo(42);
            }
        }
    }

    @Test
    @EnabledIfSystemProperty(named = "user.name", matches = "root")
    void asRootTheTestsSayWhyTheyCannotStartOne() {
        String configured = "jdbc:postgresql://127.0.0.1:" + Address.freeLoopback().port() + "/quiver";
        assertThatThrownBy(() -> TestPostgres.start(settings("auto", configured)))
                .hasMessageContaining("PostgreSQL refuses to run as root")
                .hasMessageContaining("point quiver.test.postgresql.url at a server");
    }

    private static ServiceSettings settings(String choice, String url) {
        return ServiceSettingsTest.settings(Map.of("quiver.test.services", choice, "quiver.test.postgresql.url", url,
                "quiver.test.postgresql.user", "tester"), Map.of());
    }
}
