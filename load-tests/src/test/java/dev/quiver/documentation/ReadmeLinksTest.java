package dev.quiver.documentation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The READMEs' relative links lead somewhere: files, folders and headings, and every module's README is reachable. */
class ReadmeLinksTest {

    private final Path root = Repository.root();

    @Test
    void everyRelativeLinkOfEveryMarkdownFileResolves() {
        List<Path> markdown = Repository.markdownFiles(root);

        assertThat(markdown).as("the Markdown files found").contains(root.resolve("README.md"),
                root.resolve("functions/inference/README.md"), root.resolve("knative/README.md"));
        assertThat(new RelativeLinks(root).problems(markdown)).as("links that do not resolve").isEmpty();
    }

    @Test
    void theTopReadmeLinksEveryOtherReadme() {
        Set<Path> linked = MarkdownFile.read(root.resolve("README.md")).links().stream()
                .map(link -> link.target().replaceFirst("#.*", ""))
                .filter(target -> !target.isEmpty() && !target.contains(":"))
                .map(target -> root.resolve(target).normalize())
                .collect(Collectors.toSet());

        // a README under src/ describes test data or sources, not a module
        assertThat(Repository.readmes(root)).filteredOn(readme -> !readme.equals(root.resolve("README.md"))
                        && !root.relativize(readme).toString().matches("(.*/)?src/.*"))
                .as("the READMEs of the modules").isNotEmpty()
                .allSatisfy(readme -> assertThat(linked).as("links of README.md").contains(readme));
    }

    @Test
    void findsAMissingFileAMissingHeadingAndAnAnchorOnAFileThatHasNone(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("module/src"));
        Files.writeString(dir.resolve("module/README.md"), """
                # Module: the *first* one

                ## Configuration
                ## Configuration
                """);
        Files.writeString(dir.resolve("README.md"), """
                # Top

                [module](module/README.md), [its heading](module/README.md#module-the-first-one),
                [the second Configuration](module/README.md#configuration-1), [a folder](module/src),
                [here](#top), [the web](https://example.org/x#y), `[code](nowhere.md)`

                ```
                [in a code block](nowhere.md)
                ```

                [gone](module/GONE.md) [no such heading](module/README.md#configuration-2)
                [an anchor on a folder](module/src#x) [no heading here](#bottom)
                """);

        List<String> problems = new RelativeLinks(dir).problems(List.of(dir.resolve("README.md")));

        assertThat(problems).hasSize(4);
        assertThat(problems.get(0)).startsWith("README.md:11: (module/GONE.md) names no file or folder");
        assertThat(problems.get(1)).startsWith("README.md:11: (module/README.md#configuration-2) names no heading")
                .contains("configuration-1");
        assertThat(problems.get(2)).startsWith("README.md:12: (module/src#x) has an anchor");
        assertThat(problems.get(3)).startsWith("README.md:12: (#bottom) names no heading of README.md");
    }

    @Test
    void anchorsAreGitHubs() {
        assertThat(MarkdownFile.slug("Admission: rate limits, caller queues, audit"))
                .isEqualTo("admission-rate-limits-caller-queues-audit");
        assertThat(MarkdownFile.slug("The `process` executor [here](x.md)")).isEqualTo("the-process-executor-here");
        assertThat(MarkdownFile.slug("Cold start and footprint")).isEqualTo("cold-start-and-footprint");
    }
}
