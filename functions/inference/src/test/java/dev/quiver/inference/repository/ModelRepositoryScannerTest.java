package dev.quiver.inference.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model repository folder read by the storage layout, with each file the reconciler loads stamped. */
class ModelRepositoryScannerTest {

    @TempDir
    Path root;

    @TempDir
    Path elsewhere;

    @Test
    void readsTheLayoutAndStampsTheFilesThatCount() throws Exception {
        write("digits/1/model.onnx", "one");
        write("digits/config.yml", "max_batch_size: 8\n");
        write("digits/config.yaml", "max_batch_size: 4\n");
        write("digits/2/notes.txt", "not a model");
        Files.createDirectories(root.resolve("digits/3"));
        write(".staging/1/model.onnx", "a copy in progress");
        write("digits/4/.model.onnx.part", "half a model");

        RepositoryScan scan = ModelRepositoryScanner.scan(root);

        assertThat(scan.models()).containsOnlyKeys("digits");
        RepositoryScan.ModelFolder digits = scan.models().get("digits");
        assertThat(digits.versions()).containsOnlyKeys(1L);
        assertThat(digits.versions().get(1L).path()).isEqualTo(root.resolve("digits/1/model.onnx"));
        assertThat(digits.versions().get(1L).stamp().size()).isEqualTo(3);
        assertThat(digits.config()).map(RepositoryScan.StampedFile::path).hasValue(root.resolve("digits/config.yaml"));
        assertThat(scan.ignored()).containsExactlyInAnyOrder("digits/2: no model.onnx", "digits/3: no model.onnx",
                "digits/4: no model.onnx", "digits: both [config.yaml, config.yml]; using config.yaml");
    }

    @Test
    void readsTheRoutingOverrideAndIgnoresFilesItDoesNotKnowWithoutAWord() throws Exception {
        write("digits/1/model.onnx", "one");
        write("digits/routing.json", "{\"weights\": {\"1\": 1}}");
        write("digits/rollout.json", "{\"step\": 2}");
        write("digits/.rollout/replica-a.json", "{}");
        write("digits/1/baseline.json", "{}");

        RepositoryScan scan = ModelRepositoryScanner.scan(root);

        RepositoryScan.ModelFolder digits = scan.models().get("digits");
        assertThat(digits.routing()).map(RepositoryScan.StampedFile::path)
                .hasValue(root.resolve("digits/routing.json"));
        assertThat(digits.versions()).containsOnlyKeys(1L);
        assertThat(scan.ignored()).isEmpty();
    }

    /** A mounted volume, or an operator, may link a version folder in from elsewhere. */
    @Test
    void followsSymbolicLinks() throws Exception {
        Files.writeString(elsewhere.resolve("model.onnx"), "two");
        write("digits/1/model.onnx", "one");
        Files.createSymbolicLink(root.resolve("digits/2"), elsewhere);
        Files.createSymbolicLink(root.resolve("adder"), root.resolve("digits"));

        RepositoryScan scan = ModelRepositoryScanner.scan(root);

        assertThat(scan.models().get("digits").versions()).containsOnlyKeys(1L, 2L);
        assertThat(scan.models().get("digits").versions().get(2L).stamp().size()).isEqualTo(3);
        assertThat(scan.models().get("adder").versions()).containsOnlyKeys(1L, 2L);
    }

    @Test
    void aRepositoryThatIsNoFolderIsAnError() {
        assertThatThrownBy(() -> ModelRepositoryScanner.scan(root.resolve("missing")))
                .isInstanceOf(NoSuchFileException.class).hasMessageContaining("the model repository is not a folder");
    }

    private void write(String key, String content) throws Exception {
        Path file = root.resolve(key);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }
}
