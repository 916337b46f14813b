package dev.quiver.inference.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The rules file ({@code quiver.batch.rules-file}): which objects are run through which model, the first matching
 * rule wins.
 *
 * <pre>
 * rules:
 *   - bucket: incoming
 *     prefix: digits/          # optional
 *     suffix: .csv             # optional
 *     model: digits
 *     version: "1"             # optional: the latest ready version
 *     format: csv              # csv | jsonl; default from the suffix
 *     header: true             # csv: the first line names the columns
 *     id-column: id            # csv: the column holding row ids (a name with a header, else a 0-based index)
 *     output-bucket: results   # default: the input's bucket
 *     output-prefix: predictions
 * </pre>
 */
public final class BatchRules {

    private static final Set<String> FIELDS = Set.of("bucket", "prefix", "suffix", "model", "version", "format",
            "header", "id-column", "output-bucket", "output-prefix");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final List<BatchRule> rules;

    public BatchRules(List<BatchRule> rules) {
        this.rules = List.copyOf(rules);
    }

    public Optional<BatchRule> match(ObjectCreated object) {
        return rules.stream().filter(rule -> rule.matches(object)).findFirst();
    }

    public static BatchRules read(Optional<Path> file) {
        if (file.isEmpty()) {
            return new BatchRules(List.of());
        }
        JsonNode root;
        try {
            root = YAML.readTree(Files.readAllBytes(file.get()));
        } catch (IOException e) {
            throw new IllegalArgumentException("batch rules " + file.get() + ": cannot read it: " + e.getMessage(), e);
        }
        JsonNode list = root == null ? null : root.get("rules");
        if (list == null || !list.isArray()) {
            throw new IllegalArgumentException("batch rules " + file.get() + ": expected 'rules:' with a list");
        }
        List<BatchRule> rules = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            rules.add(rule(list.get(i), "batch rules " + file.get() + ": rules[" + i + "]"));
        }
        return new BatchRules(rules);
    }

    private static BatchRule rule(JsonNode node, String at) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!FIELDS.contains(field)) {
                throw new IllegalArgumentException(at + ": unknown field '" + field + "'; expected one of " + FIELDS);
            }
        }
        String bucket = required(node, "bucket", at);
        String suffix = node.path("suffix").asText("");
        InputFormat format;
        String formatName = node.path("format").asText(suffix.endsWith(".csv") ? "csv" : "jsonl");
        try {
            format = InputFormat.valueOf(formatName.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(at + ".format: '" + formatName + "' is not csv or jsonl");
        }
        String outputPrefix = node.path("output-prefix").asText("predictions").replaceAll("/+$", "");
        if (outputPrefix.isEmpty()) {
            throw new IllegalArgumentException(at + ".output-prefix: must not be empty (results must not land "
                    + "where inputs do)");
        }
        return new BatchRule(bucket, node.path("prefix").asText(""), suffix, required(node, "model", at),
                node.hasNonNull("version") ? Optional.of(node.get("version").asText()) : Optional.empty(), format,
                node.path("header").asBoolean(false),
                node.hasNonNull("id-column") ? Optional.of(node.get("id-column").asText()) : Optional.empty(),
                node.path("output-bucket").asText(bucket), outputPrefix);
    }

    private static String required(JsonNode node, String field, String at) {
        String value = node.path(field).asText("");
        if (value.isBlank()) {
            throw new IllegalArgumentException(at + "." + field + ": required");
        }
        return value;
    }
}
