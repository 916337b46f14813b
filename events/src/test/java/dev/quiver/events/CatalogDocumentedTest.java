package dev.quiver.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The catalog table of this module's README is the catalog: the same types, records and payload fields. */
class CatalogDocumentedTest {

    /** {@code | `type` | `Record` `{a, b?, c}` | ...}: the type, its record and, when given, its fields. */
    private static final Pattern ROW = Pattern.compile("^\\| `([^`]+)` \\| `([A-Za-z]+)`(?: `\\{([^}]*)}`)? \\|");

    private record Row(String record, List<String> fields, List<String> required) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theReadmeListsEveryTypeWithItsRecordAndFields() throws IOException {
        Map<String, Row> rows = new TreeMap<>();
        for (String line : Files.readAllLines(Path.of("README.md"))) {
            Matcher row = ROW.matcher(line);
            if (row.find()) {
                List<String> written = row.group(3) == null ? null
                        : Arrays.stream(row.group(3).split(",")).map(String::strip).toList();
                rows.put(row.group(1), written == null ? new Row(row.group(2), null, null) : new Row(row.group(2),
                        written.stream().map(field -> field.replace("?", "")).toList(),
                        written.stream().filter(field -> !field.endsWith("?")).toList()));
            }
        }

        assertThat(rows.keySet()).as("the types of README.md's catalog")
                .containsExactlyInAnyOrderElementsOf(EventCatalog.types());
        rows.forEach((type, row) -> {
            Class<? extends Record> payload = EventCatalog.payloadOf(type).orElseThrow();
            assertThat(row.record()).as("the record of %s", type).isEqualTo(payload.getSimpleName());
            if (row.fields() != null) {
                assertThat(row.fields()).as("the fields of %s", type).containsExactlyElementsOf(
                        Arrays.stream(payload.getRecordComponents()).map(RecordComponent::getName).toList());
                assertThat(row.required()).as("the fields of %s without a ?: those its schema requires", type)
                        .containsExactlyInAnyOrderElementsOf(required(type));
            }
        });
    }

    private static List<String> required(String type) {
        try (InputStream schema = EventCatalog.class.getResourceAsStream(EventCatalog.schemaResource(type))) {
            List<String> required = new ArrayList<>();
            JSON.readTree(schema).path("required").forEach(name -> required.add(name.asText()));
            return required;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the schema of " + type, e);
        }
    }
}
