package dev.quiver.loadtests;

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
 * it, migrated as the function migrates its own and dropped when the benchmark ends.
 */
final class BenchmarkDatabase {

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
        Schema schema = new Schema(name, dataSource);
        try {
            Flyway.configure().dataSource(dataSource).schemas(name).locations("classpath:db/migration").load()
                    .migrate();
        } catch (RuntimeException e) {
            schema.close();
            throw e;
        }
        return schema;
    }

    static void execute(DataSource dataSource, String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    /** A benchmark's schema; closing it drops it. */
    record Schema(String name, PGSimpleDataSource dataSource) implements AutoCloseable {

        @Override
        public void close() throws SQLException {
            dataSource.setCurrentSchema(null);
            execute(dataSource, "drop schema " + name + " cascade");
        }
    }
}
