package dev.quiver.orchestration.store;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/** The function's own migrations, applied as it applies them at start, to a test's database or schema. */
public final class Migrations {

    private Migrations() {
    }

    /** Migrates the database's default schema. */
    public static void apply(DataSource database) {
        Flyway.configure().dataSource(database).locations("classpath:db/migration").load().migrate();
    }

    /** Migrates {@code schema} of the database, creating it if need be. */
    public static void apply(DataSource database, String schema) {
        Flyway.configure().dataSource(database).schemas(schema).locations("classpath:db/migration").load().migrate();
    }
}
