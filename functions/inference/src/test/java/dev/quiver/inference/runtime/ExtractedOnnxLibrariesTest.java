package dev.quiver.inference.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExtractedOnnxLibrariesTest {

    @TempDir
    Path app;

    @Test
    void theFolderBesideTheRunnerJarWhenItHoldsBothLibraries() throws IOException {
        Path folder = extract("onnxruntime", "onnxruntime4j_jni");

        assertThat(ExtractedOnnxLibraries.folder(runnerJar())).contains(folder);
    }

    @Test
    void noFolderWhenALibraryIsMissing() throws IOException {
        extract("onnxruntime");

        assertThat(ExtractedOnnxLibraries.folder(runnerJar())).isEmpty();
    }

    @Test
    void noFolderWhenNotStartedFromAJar() throws IOException {
        extract("onnxruntime", "onnxruntime4j_jni");

        assertThat(ExtractedOnnxLibraries.folder(runnerJar() + File.pathSeparator + app.resolve("classes"))).isEmpty();
        assertThat(ExtractedOnnxLibraries.folder(app.resolve("classes").toString())).isEmpty();
    }

    @Test
    void platformsAreNamedAsInOnnxRuntimesJar() {
        assertThat(ExtractedOnnxLibraries.platform()).matches("(linux|osx|win)-[a-z0-9_]+");
    }

    private Path extract(String... libraries) throws IOException {
        Path folder = app.resolve("lib").resolve("native").resolve(ExtractedOnnxLibraries.platform());
        Files.createDirectories(folder);
        for (String library : libraries) {
            Files.writeString(folder.resolve(System.mapLibraryName(library)), "");
        }
        return folder;
    }

    private String runnerJar() {
        return app.resolve("quarkus-run.jar").toString();
    }
}
