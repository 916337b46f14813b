package dev.quiver.testservices;

import java.util.function.Supplier;

/**
 * A server started once per JVM, whatever the class loader: Quarkus tests load these classes again in a class loader
 * of their own, whose static fields are not those of the plain tests beside them. What the JVM shares is its system
 * properties, so the started server's address is kept there, under a name outside {@code quiver.*}, where Quarkus
 * refuses properties that no setting of the application maps.
 */
final class JvmWide {

    private JvmWide() {
    }

    /** The address kept under {@code key}, from {@code start} the first time in this JVM. */
    static String once(String key, Supplier<String> start) {
        // the one object that every class loader of the JVM sees
        synchronized (System.getProperties()) {
            String address = System.getProperty(key);
            if (address == null) {
                address = start.get();
                System.setProperty(key, address);
            }
            return address;
        }
    }
}
