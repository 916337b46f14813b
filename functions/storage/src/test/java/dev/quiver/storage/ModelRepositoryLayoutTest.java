package dev.quiver.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The model repository's layout, one case per rule. */
class ModelRepositoryLayoutTest {

    @Test
    void aVersionIsAPositiveNumberedFolderWithTheModelFile() {
        ModelRepositoryListing listing = ModelRepositoryLayout.read(List.of("digits/1/model.onnx",
                "digits/12/model.onnx", "digits/12/notes.txt"));

        assertThat(listing.models()).containsOnlyKeys("digits");
        assertThat(listing.models().get("digits").versions())
                .isEqualTo(Map.of(1L, "digits/1/model.onnx", 12L, "digits/12/model.onnx"));
        assertThat(listing.models().get("digits").latestVersion()).isEqualTo(12);
        assertThat(listing.ignored()).isEmpty();
    }

    @Test
    void aFolderThatIsNoVersionIsIgnoredWithTheReason() {
        ModelRepositoryListing listing = ModelRepositoryLayout.read(List.of("digits/latest/model.onnx",
                "digits/01/model.onnx", "digits/0/model.onnx", "digits/1/model.onnx"));

        assertThat(listing.models().get("digits").versions()).containsOnlyKeys(1L);
        assertThat(listing.ignored()).containsExactlyInAnyOrder(
                "digits/latest: versions are positive whole numbers", "digits/01: versions are positive whole numbers",
                "digits/0: versions are positive whole numbers");
    }

    @Test
    void aVersionFolderWithoutTheModelFileIsReported() {
        ModelRepositoryListing listing = ModelRepositoryLayout.read(List.of("digits/1/model.onnx",
                "digits/2/weights.bin", "digits/3/", "digits/4/model.onnx/part-1"));

        assertThat(listing.models().get("digits").versions()).containsOnlyKeys(1L);
        assertThat(listing.ignored()).containsExactly("digits/2: no model.onnx", "digits/3: no model.onnx",
                "digits/4: no model.onnx");
    }

    @Test
    void theConfigJsonTakesPrecedenceOverTheYamlFilesAndTheOthersAreReported() {
        ModelRepositoryListing both = ModelRepositoryLayout.read(List.of("a/config.yml", "a/config.yaml",
                "a/config.json", "a/1/model.onnx"));
        ModelRepositoryListing yamls = ModelRepositoryLayout.read(List.of("b/config.yml", "b/config.yaml"));
        ModelRepositoryListing yml = ModelRepositoryLayout.read(List.of("c/config.yml"));

        assertThat(both.models().get("a").config()).hasValue("a/config.json");
        assertThat(both.ignored()).containsExactly("a: both [config.json, config.yaml, config.yml]; using config.json");
        assertThat(yamls.models().get("b").config()).hasValue("b/config.yaml");
        assertThat(yml.models().get("c").config()).hasValue("c/config.yml");
        assertThat(ModelRepositoryLayout.isJson("a/config.json")).isTrue();
        assertThat(ModelRepositoryLayout.isJson("c/config.yml")).isFalse();
    }

    @Test
    void aModelWithOnlyAConfigurationHasNoVersionYet() {
        ModelRepositoryListing listing = ModelRepositoryLayout.read(List.of("digits/config.yaml", "digits/"));

        assertThat(listing.models().get("digits").versions()).isEmpty();
        assertThat(listing.models().get("digits").latestVersion()).isZero();
        assertThat(listing.models().get("digits").config()).hasValue("digits/config.yaml");
    }

    @Test
    void entriesUnderADotNameAreNotPartOfTheRepository() {
        ModelRepositoryListing listing = ModelRepositoryLayout.read(List.of(".staging/1/model.onnx",
                "digits/.2/model.onnx", "digits/3/.quiver-tmp-1.part", ".quiver-mirror.json", "digits/.config.json",
                "digits/1/model.onnx"));

        assertThat(listing.models()).containsOnlyKeys("digits");
        assertThat(listing.models().get("digits").versions()).containsOnlyKeys(1L);
        assertThat(listing.models().get("digits").config()).isEmpty();
        assertThat(listing.ignored()).isEmpty();
    }

    @Test
    void aFolderWithAnInvalidModelNameIsIgnoredOnceWithTheRule() {
        String tooLong = "m".repeat(129);
        ModelRepositoryListing listing = ModelRepositoryLayout.read(List.of("my model/1/model.onnx",
                "my model/2/model.onnx", "-x/1/model.onnx", tooLong + "/1/model.onnx", "m".repeat(128)
                        + "/1/model.onnx"));

        assertThat(listing.models()).containsOnlyKeys("m".repeat(128));
        assertThat(listing.ignored()).hasSize(3).allSatisfy(reason -> assertThat(reason)
                .endsWith(": not a valid model name (letters, digits, '_', '.' or '-', starting with a letter or "
                        + "digit, at most 128)"));
    }

    @Test
    void filesBesideTheModelsAndTheVersionsAreNotReported() {
        ModelRepositoryListing listing = ModelRepositoryLayout.read(List.of("README.md", "digits/README.md",
                "digits/1/model.onnx"));

        assertThat(listing.models()).containsOnlyKeys("digits");
        assertThat(listing.models().get("digits").config()).isEqualTo(Optional.empty());
        assertThat(listing.ignored()).isEmpty();
    }

    @Test
    void theKeyOfAVersionIsBuiltOnlyFromAValidNameAndVersion() {
        assertThat(ModelRepositoryLayout.modelKey("digits-trained", 3)).isEqualTo("digits-trained/3/model.onnx");
        assertThat(ModelRepositoryLayout.baselineKey("digits-trained", 3)).isEqualTo("digits-trained/3/baseline.json");
        assertThatIllegalArgumentException().isThrownBy(() -> ModelRepositoryLayout.modelKey("../x", 1))
                .withMessageContaining("model '../x' version 1: expected a model name");
        assertThatIllegalArgumentException().isThrownBy(() -> ModelRepositoryLayout.modelKey("digits", 0));
        assertThat(ModelRepositoryLayout.newConfigKey("digits")).isEqualTo("digits/config.yaml");
    }
}
