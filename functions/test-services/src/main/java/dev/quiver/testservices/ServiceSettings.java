package dev.quiver.testservices;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * Where the tests find PostgreSQL, Redis and Azurite, and whether they may start their own. Each setting is a system property
 * ({@code -Dquiver.test.redis.uri=redis://127.0.0.1:6380}) or else the environment variable of the same name
 * ({@code QUIVER_TEST_REDIS_URI}); the defaults are the servers of a developer machine or a CI service container.
 *
 * @param choice which server a test gets: the configured one when it answers ({@code auto}), only the configured one
 *        ({@code external}, for a CI that must test its own servers), or one started for the test run
 *        ({@code embedded})
 */
public record ServiceSettings(Choice choice, String postgresqlUrl, String postgresqlUser, String postgresqlPassword,
                              URI redisUri, URI azuriteBlobEndpoint) {

    public static final String CHOICE = "quiver.test.services";
    public static final String POSTGRESQL_URL = "quiver.test.postgresql.url";
    public static final String POSTGRESQL_USER = "quiver.test.postgresql.user";
    public static final String POSTGRESQL_PASSWORD = "quiver.test.postgresql.password";
    public static final String REDIS_URI = "quiver.test.redis.uri";
    public static final String AZURITE_BLOB_ENDPOINT = "quiver.test.azurite.blob-endpoint";

    private static final String POSTGRESQL_PREFIX = "jdbc:postgresql://";

    /** Which server a test gets. */
    public enum Choice {
        AUTO, EXTERNAL, EMBEDDED
    }

    /** The settings of this JVM: its system properties, then its environment. */
    public static ServiceSettings current() {
        return of(System::getProperty, System::getenv);
    }

    static ServiceSettings of(UnaryOperator<String> properties, UnaryOperator<String> environment) {
        Source source = new Source(properties, environment);
        return new ServiceSettings(choice(source.get(CHOICE, "auto")),
                postgresqlUrl(source.get(POSTGRESQL_URL, POSTGRESQL_PREFIX + "127.0.0.1:5432/test")),
                source.get(POSTGRESQL_USER, "postgres"), source.get(POSTGRESQL_PASSWORD, ""),
                redisUri(source.get(REDIS_URI, "redis://127.0.0.1:6379")),
                azuriteBlobEndpoint(source.get(AZURITE_BLOB_ENDPOINT, "http://127.0.0.1:10000/devstoreaccount1")));
    }

    /** The host and port of the configured PostgreSQL. */
    public Address postgresqlAddress() {
        URI uri = URI.create(postgresqlUrl.substring("jdbc:".length()));
        return new Address(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort());
    }

    /** The host and port of the configured Redis. */
    public Address redisAddress() {
        return new Address(redisUri.getHost(), redisUri.getPort() < 0 ? 6379 : redisUri.getPort());
    }

    /** The host and port of the configured Azurite's Blob service. */
    public Address azuriteAddress() {
        return new Address(azuriteBlobEndpoint.getHost(), azuriteBlobEndpoint.getPort() < 0 ? 80
                : azuriteBlobEndpoint.getPort());
    }

    /**
     * Whether the tests use the configured server of {@code service} at {@code address} ({@code setting} names where it
     * is configured) rather than start one: never when the choice is {@code embedded}, when it answers for
     * {@code auto}, and always for {@code external}, which refuses to go on when nothing answers there.
     */
    boolean useConfigured(String service, String setting, Address address) {
        return switch (choice) {
            case EMBEDDED -> false;
            case AUTO -> address.answers();
            case EXTERNAL -> {
                if (!address.answers()) {
                    throw new IllegalStateException("no " + service + " answers at " + address + " (" + setting
                            + "), and " + CHOICE + "=external forbids the tests to start one of their own");
                }
                yield true;
            }
        };
    }

    private static Choice choice(String value) {
        try {
            return Choice.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(CHOICE + ": expected auto, external or embedded, got '" + value + "'",
                    e);
        }
    }

    private static String postgresqlUrl(String value) {
        if (!value.startsWith(POSTGRESQL_PREFIX) || value.length() == POSTGRESQL_PREFIX.length()) {
            throw new IllegalArgumentException(POSTGRESQL_URL + ": expected a JDBC URL such as " + POSTGRESQL_PREFIX
                    + "127.0.0.1:5432/test, got '" + value + "'");
        }
        return value;
    }

    private static URI redisUri(String value) {
        try {
            URI uri = new URI(value);
            if (!"redis".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new URISyntaxException(value, "not redis://host:port");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(REDIS_URI + ": expected a URI such as redis://127.0.0.1:6379, got '"
                    + value + "'", e);
        }
    }

    private static URI azuriteBlobEndpoint(String value) {
        try {
            URI uri = new URI(value);
            if (!"http".equals(uri.getScheme()) || uri.getHost() == null || uri.getPath() == null
                    || uri.getPath().length() < 2) {
                throw new URISyntaxException(value, "not http://host:port/account");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(AZURITE_BLOB_ENDPOINT + ": expected a URI such as "
                    + "http://127.0.0.1:10000/devstoreaccount1, got '" + value + "'", e);
        }
    }

    /** A setting's value: the system property, else the environment variable of the same name, else the default. */
    private record Source(UnaryOperator<String> properties, UnaryOperator<String> environment) {

        String get(String name, String fallback) {
            String property = properties.apply(name);
            if (property != null) {
                return property;
            }
            String variable = environment.apply(name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_"));
            return variable != null ? variable : fallback;
        }
    }
}
