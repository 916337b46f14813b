package dev.quiver.inference.runtime;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * ONNX Runtime's native libraries extracted at build time into {@code lib/native/<os>-<arch>} next to
 * {@code quarkus-run.jar}. Without them ONNX Runtime copies its 28 MB library out of its jar on every start, a few
 * hundred milliseconds of a cold start. ONNX Runtime fails rather than falls back when {@code onnxruntime.native.path}
 * names a folder without the libraries, so the property is only set when both are there.
 */
final class ExtractedOnnxLibraries {

    static final String NATIVE_PATH_PROPERTY = "onnxruntime.native.path";
    private static final String[] LIBRARIES = {"onnxruntime", "onnxruntime4j_jni"};

    private ExtractedOnnxLibraries() {
    }

    /** Points ONNX Runtime at the extracted libraries unless the property is set already or they are absent. */
    static void useWhenPresent() {
        if (System.getProperty(NATIVE_PATH_PROPERTY) != null) {
            return;
        }
        folder(System.getProperty("java.class.path", ""))
                .ifPresent(folder -> System.setProperty(NATIVE_PATH_PROPERTY, folder.toString()));
    }

    /** The folder of the libraries beside the runner jar of {@code classPath}, when it holds them all. */
    static Optional<Path> folder(String classPath) {
        if (!classPath.endsWith(".jar") || classPath.contains(File.pathSeparator)) {
            // not started with java -jar: tests and dev mode load the libraries from the jar
            return Optional.empty();
        }
        Path parent = Path.of(classPath).toAbsolutePath().getParent();
        if (parent == null) {
            return Optional.empty();
        }
        Path folder = parent.resolve("lib").resolve("native").resolve(platform());
        for (String library : LIBRARIES) {
            if (!Files.isRegularFile(folder.resolve(System.mapLibraryName(library)))) {
                return Optional.empty();
            }
        }
        return Optional.of(folder);
    }

    /** The platform folder's name as ONNX Runtime's jar spells it, e.g. linux-x64 or linux-aarch64. */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String osName = os.contains("mac") || os.contains("darwin") ? "osx" : os.contains("win") ? "win" : "linux";
        String archName = arch.equals("amd64") || arch.equals("x86_64") ? "x64" : arch;
        return osName + "-" + archName;
    }
}
