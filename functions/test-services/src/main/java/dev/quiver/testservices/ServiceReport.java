package dev.quiver.testservices;

/**
 * Says on standard error which server the tests use. Not through a logger: in a test JVM with Quarkus on its class
 * path, log records wait for a Quarkus application to start, which a plain unit test never does.
 */
final class ServiceReport {

    private ServiceReport() {
    }

    static void say(String format, Object... arguments) {
        System.err.println("quiver tests: " + String.format(format, arguments));
    }
}
