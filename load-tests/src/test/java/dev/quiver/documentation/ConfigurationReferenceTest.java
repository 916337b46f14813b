package dev.quiver.documentation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.admission.AdmissionConfig;
import dev.quiver.admission.RateLimitConfig;
import dev.quiver.inference.InferenceConfig;
import dev.quiver.orchestration.OrchestrationConfig;
import dev.quiver.storage.AzureConfig;
import dev.quiver.storage.S3Config;
import dev.quiver.testservices.ServiceSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The configuration reference in the modules' READMEs agrees with the code, both ways: every {@code quiver.*}
 * setting a README names is one a {@code @ConfigMapping} defines (or one of the few that are not the functions'
 * configuration: the tests' settings, Maven properties of the build, values of settings), and every setting a
 * {@code @ConfigMapping} defines is named in a README.
 */
class ConfigurationReferenceTest {

    private static final Pattern POM_PROPERTY = Pattern.compile("<(quiver\\.[a-z0-9.-]+)>");
    private static final Pattern SETTING_VALUE = Pattern.compile("(?m)^[^#=\\s][^=]*=(quiver\\.[a-z0-9.-]+)\\s*$");

    private final Path root = Repository.root();

    @Test
    void findsTheMappingOfEveryModule() {
        assertThat(ConfigMappings.onClassPath()).contains(InferenceConfig.class, OrchestrationConfig.class,
                AdmissionConfig.class, RateLimitConfig.class, S3Config.class, AzureConfig.class);
    }

    @Test
    void everySettingAReadmeNamesExists() {
        Set<String> defined = mappingProperties().keySet();
        Set<String> notConfiguration = notConfiguration();

        List<String> unknown = new ArrayList<>();
        for (DocumentedProperties.Mention mention : mentions()) {
            boolean exists = mention.isPrefix()
                    ? defined.stream().anyMatch(name -> name.startsWith(mention.name() + "."))
                    : defined.contains(mention.name()) || notConfiguration.contains(mention.name());
            if (!exists) {
                unknown.add(mention.where() + ": " + mention.name() + (mention.isPrefix() ? ".*" : ""));
            }
        }

        assertThat(unknown).as("settings the READMEs name that no @ConfigMapping defines").isEmpty();
    }

    @Test
    void everySettingOfAMappingIsInAReadme() {
        Set<String> documented = mentions().stream().filter(mention -> !mention.isPrefix())
                .map(DocumentedProperties.Mention::name).collect(Collectors.toSet());

        Map<String, String> undocumented = new TreeMap<>(mappingProperties());
        undocumented.keySet().removeAll(documented);

        assertThat(undocumented).as("settings of a @ConfigMapping (with its interface) that no README names")
                .isEmpty();
    }

    @Test
    void readsFullNamesShortFormsMapKeysAndPrefixes(@TempDir Path dir) throws IOException {
        Path readme = Files.writeString(dir.resolve("README.md"), """
                | `quiver.storage.s3.endpoint` / `.region` | `quiver.orchestration.retry.error-classes."<class>"` / \
                `.exit-codes."<code>"` |
                the events `dev.quiver.step.completed` or `.failed`; `quiver.storage.root=s3` and `quiver.storage.s3.*`

                `.poll-interval` starts no paragraph's name, nor does `quiver` alone;

                ```
                quiver.in.a.code.block
                ```
                """);

        assertThat(DocumentedProperties.of(MarkdownFile.read(readme), "README.md")).containsExactly(
                new DocumentedProperties.Mention("quiver.storage.s3.endpoint", false, "README.md:1"),
                new DocumentedProperties.Mention("quiver.storage.s3.region", false, "README.md:1"),
                new DocumentedProperties.Mention("quiver.orchestration.retry.error-classes.*", false, "README.md:1"),
                new DocumentedProperties.Mention("quiver.orchestration.retry.exit-codes.*", false, "README.md:1"),
                new DocumentedProperties.Mention("quiver.storage.root", false, "README.md:2"),
                new DocumentedProperties.Mention("quiver.storage.s3", true, "README.md:2"));
    }

    /** Every setting of every mapping, with the interface that defines it. */
    private static Map<String, String> mappingProperties() {
        Map<String, String> properties = new TreeMap<>();
        for (Class<?> mapping : ConfigMappings.onClassPath()) {
            ConfigMappings.properties(mapping).forEach(name -> properties.put(name, mapping.getSimpleName()));
        }
        return properties;
    }

    private List<DocumentedProperties.Mention> mentions() {
        return Repository.readmes(root).stream()
                .flatMap(readme -> DocumentedProperties.of(MarkdownFile.read(readme),
                        root.relativize(readme).toString()).stream())
                .toList();
    }

    /**
     * Names under {@code quiver.} that are no setting of a function: the tests' own settings, the build's Maven
     * properties, and values that settings take (a Kafka topic).
     */
    private Set<String> notConfiguration() {
        Set<String> names = new TreeSet<>();
        for (Field field : ServiceSettings.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
                try {
                    names.add((String) field.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        for (Path file : Repository.files(root, name -> name.equals("pom.xml")
                || name.equals("application.properties"))) {
            Pattern pattern = file.getFileName().toString().equals("pom.xml") ? POM_PROPERTY : SETTING_VALUE;
            try {
                Matcher matcher = pattern.matcher(Files.readString(file));
                while (matcher.find()) {
                    names.add(matcher.group(1));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
        return names;
    }
}
