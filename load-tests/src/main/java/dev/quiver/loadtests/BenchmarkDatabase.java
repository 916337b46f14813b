package dev.quiver.loadtests;

import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import java.io.IOException;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
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
    private static final int ROUND_TRIPS = 1000;

    @Option(names = "--jdbc", paramLabel = "URL", defaultValue = "jdbc:postgresql://127.0.0.1:5432/test",
            description = "The PostgreSQL server.")
    private String jdbc;

    @Option(names = "--user", paramLabel = "NAME", defaultValue = "postgres", description = "Its user, with no "
            + "password.")
    private String user;

    @Option(names = "--network-delay", paramLabel = "MICROS", defaultValue = "0",
            converter = OptionValues.Micros.class, description = "Microseconds a relay in front of the server holds "
            + "the bytes each way, so that every round trip costs more, as across a network; 0 for none.")
    private Duration networkDelay;

    /** A schema named {@code <prefix>_<random>}, with the orchestration function's tables. */
    Schema createSchema(String prefix) throws SQLException, IOException {
        String name = prefix + "_" + UUID.randomUUID().toString().replace("-", "");
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(jdbc);
        dataSource.setUser(user);
        execute(dataSource, "create schema " + name);
        dataSource.setCurrentSchema(name);
        try {
            Flyway.configure().dataSource(dataSource).schemas(name).locations("classpath:db/migration").load()
                    .migrate();
            DelayedRelay relay = networkDelay.isZero() ? null : relay();
            AgroalDataSource pool = pool(relay == null ? jdbc : through(relay), name);
            System.out.printf(Locale.ROOT, "bench: a round trip to PostgreSQL (select 1, median of %d): %.0f us%s%n",
                    ROUND_TRIPS, roundTripMicros(pool), relay == null ? ""
                            : " through a relay holding the bytes " + networkDelay.toNanos() / 1000 + " us each way");
            return new Schema(name, dataSource, pool, relay);
        } catch (RuntimeException | SQLException | IOException e) {
            dataSource.setCurrentSchema(null);
            execute(dataSource, "drop schema " + name + " cascade");
            throw e;
        }
    }

    private AgroalDataSource pool(String url, String schema) throws SQLException {
        return AgroalDataSource.from(new AgroalDataSourceConfigurationSupplier().connectionPoolConfiguration(pool -> pool
                .maxSize(POOL_SIZE).connectionFactoryConfiguration(connections -> connections.jdbcUrl(url)
                        .principal(new NamePrincipal(user)).jdbcProperty("currentSchema", schema))));
    }

    private DelayedRelay relay() throws IOException {
        URI server = URI.create(jdbc.substring("jdbc:".length()));
        return new DelayedRelay(server.getHost(), server.getPort() < 0 ? 5432 : server.getPort(), networkDelay);
    }

    private String through(DelayedRelay relay) {
        return jdbc.replaceFirst("//[^/]+/", "//127.0.0.1:" + relay.port() + "/");
    }

    private static double roundTripMicros(DataSource dataSource) throws SQLException {
        long[] nanos = new long[ROUND_TRIPS];
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement("select 1")) {
            for (int i = 0; i < nanos.length; i++) {
                long start = System.nanoTime();
                select.executeQuery().close();
                nanos[i] = System.nanoTime() - start;
            }
        }
        // only the median is read: the count of items and the seconds do not matter here
        return LatencyStats.of(nanos, nanos.length, nanos.length, 0, 1).p50Micros();
    }

    static void execute(DataSource dataSource, String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    /**
     * A benchmark's schema, with the pool of connections to it and the relay they go through, if any; closing it closes
     * the pool and the relay and drops the schema.
     */
    record Schema(String name, PGSimpleDataSource owner, AgroalDataSource dataSource, DelayedRelay relay)
            implements AutoCloseable {

        @Override
        public void close() throws SQLException, IOException {
            dataSource.close();
            if (relay != null) {
                relay.close();
            }
            owner.setCurrentSchema(null);
            execute(owner, "drop schema " + name + " cascade");
        }
    }
}
