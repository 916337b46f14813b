package dev.quiver.documentation;

import io.smallrye.config.ConfigMapping;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The {@code @ConfigMapping} interfaces of Quiver's modules on the class path and the settings they define, named as
 * SmallRye Config names them ({@code *} for a map's key), found by reading the class path rather than listed, so that
 * a new mapping is checked without anyone adding it here.
 */
final class ConfigMappings {

    private static final String PACKAGE = "dev/quiver/";

    private ConfigMappings() {
    }

    static Set<Class<?>> onClassPath() {
        ClassLoader loader = ConfigMappings.class.getClassLoader();
        Set<String> classes = new TreeSet<>();
        try {
            for (URL url : Collections.list(loader.getResources(PACKAGE))) {
                if (url.getProtocol().equals("jar")) {
                    try (JarFile jar = ((JarURLConnection) url.openConnection()).getJarFile()) {
                        jar.stream().map(entry -> entry.getName()).filter(ConfigMappings::isClass).forEach(classes::add);
                    }
                } else {
                    Path dir = Path.of(url.toURI());
                    Path base = dir.getParent().getParent();
                    try (Stream<Path> files = Files.walk(dir)) {
                        files.map(file -> base.relativize(file).toString().replace('\\', '/'))
                                .filter(ConfigMappings::isClass).forEach(classes::add);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the class path", e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        Set<Class<?>> mappings = new java.util.LinkedHashSet<>();
        for (String name : classes) {
            Class<?> type = load(name.substring(0, name.length() - ".class".length()).replace('/', '.'), loader);
            if (type != null && type.isInterface() && type.isAnnotationPresent(ConfigMapping.class)) {
                mappings.add(type);
            }
        }
        return mappings;
    }

    /** The full names of a mapping's settings, {@code quiver.orchestration.retry.error-classes.*} for a map. */
    static Set<String> properties(Class<?> mapping) {
        Set<String> names = new TreeSet<>();
        io.smallrye.config.ConfigMappings.getProperties(io.smallrye.config.ConfigMappings.ConfigClass.configClass(mapping))
                .keySet().forEach(name -> names.add(name.replace("[*]", "")));
        return names;
    }

    private static boolean isClass(String entry) {
        return entry.startsWith(PACKAGE) && entry.endsWith(".class") && !entry.endsWith("module-info.class")
                && !entry.endsWith("package-info.class");
    }

    private static Class<?> load(String name, ClassLoader loader) {
        try {
            return Class.forName(name, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            return null; // needs a library this class path lacks; the test asserts that every module's mapping was found
        }
    }
}
