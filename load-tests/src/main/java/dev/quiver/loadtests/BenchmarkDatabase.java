package dev.quiver.loadtests;

import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.postgresql.ds.PGSimpleDataSource;
import picocli.CommandLine.Option;

/**
 * The PostgreSQL server a benchmark of the orchestration function's store runs against, and a schema of its own on
 * it, migrated as the function migrates its own and dropped when the benchmark ends. The benchmark takes its
 * connections from a pool, as the function does (Agroal, like Quarkus's datasources, at their default of 20): a new
 * connection per transaction would cost each one the start of a server process, which no deployment pays.
 */
final class BenchmarkDatabase {

    /** Quarkus's default for {@code quarkus.datasource.jdbc.max-size}, which the function keeps. */
    private static final int POOL_SIZE = 20;

    @Option(names = "--jdbc", paramLabel = "URL", defaultValue = "jdbc:postgresql://127.0.0.1:5432/test",
            description = "The PostgreSQL server.")
    private String jdbc;

    @Option(names = "--user", paramLabel = "NAME", defaultValue = "postgres", description = "Its user, with no "
            + "password.")
    private String user;

    /** A schema named {@code <prefix>_<random>}, with the orchestration function's tables. */
    Schema createSchema(String prefix) throws SQLException {
        String name = prefix + "_" + UUID.randomUUID().toString().replace("-", "");
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(jdbc);
        dataSource.setUser(user);
        execute(dataSource, "create schema " + name);
        dataSource.setCurrentSchema(name);
        try {
            Flyway.configure().dataSource(dataSource).schemas(name).locations("classpath:db/migration").load()
                    .migrate();
            return new Schema(name, dataSource, pool(name));
        } catch (RuntimeException | SQLException e) {
            dataSource.setCurrentSchema(null);
            execute(dataSource, "drop schema " + name + " cascade");
            throw e;
        }
    }

    private AgroalDataSource pool(String schema) throws SQLException {
        return AgroalDataSource.from(new AgroalDataSourceConfigurationSupplier().connectionPoolConfiguration(pool -> pool
                .maxSize(POOL_SIZE).connectionFactoryConfiguration(connections -> connections.jdbcUrl(jdbc)
                        .principal(new NamePrincipal(user)).jdbcProperty("currentSchema", schema))));
    }

    static void execute(DataSource dataSource, String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    /** A benchmark's schema, with the pool of connections to it; closing it closes the pool and drops the schema. */
    record Schema(String name, PGSimpleDataSource owner, AgroalDataSource dataSource) implements AutoCloseable {

        @Override
        public void close() throws SQLException {
            dataSource.close();
            owner.setCurrentSchema(null);
            execute(owner, "drop schema " + name + " cascade");
        }
    }
}
