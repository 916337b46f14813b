package dev.quiver.inference.batch;

import dev.quiver.configfile.ConfigFile;
import dev.quiver.configfile.ConfigMapping;
import dev.quiver.configfile.ConfigValue;
import dev.quiver.configfile.InvalidConfigException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

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
 *     shard-size: 64MB         # optional: larger objects are split into shards of this many bytes (or rows)
 * </pre>
 */
public final class BatchRules {

    private static final List<String> FIELDS = List.of("bucket", "prefix", "suffix", "model", "version", "format",
            "header", "id-column", "output-bucket", "output-prefix", "shard-size");

    private final List<BatchRule> rules;

    public BatchRules(List<BatchRule> rules) {
        this.rules = List.copyOf(rules);
    }

    public Optional<BatchRule> match(ObjectCreated object) {
        return rules.stream().filter(rule -> rule.matches(object)).findFirst();
    }

    /** @throws InvalidConfigException with every problem of the file */
    public static BatchRules read(Optional<Path> file) {
        if (file.isEmpty()) {
            return new BatchRules(List.of());
        }
        ConfigFile config;
        try {
            config = ConfigFile.read("batch rules " + file.get(), file.get());
        } catch (IOException e) {
            throw new UncheckedIOException("batch rules " + file.get() + ": cannot read it: " + e.getMessage(), e);
        }
        List<BatchRule> rules = new ArrayList<>();
        config.root().mapping("expected a mapping with rules: a list of rules")
                .flatMap(root -> root.required("rules", "required, a list of rules"))
                .flatMap(list -> list.list("expected a list of rules"))
                .ifPresent(items -> items.forEach(item -> rule(item).ifPresent(rules::add)));
        config.requireValid();
        return new BatchRules(rules);
    }

    private static Optional<BatchRule> rule(ConfigValue item) {
        return item.mapping("expected a mapping with bucket, model and the rule's other settings").flatMap(rule -> {
            rule.allowOnly(FIELDS);
            Optional<String> bucket = rule.required("bucket", "required, the bucket whose objects the rule runs")
                    .flatMap(ConfigValue::text);
            Optional<String> model = rule.required("model", "required, the model the rule runs them through")
                    .flatMap(ConfigValue::text);
            String suffix = text(rule, "suffix").orElse("");
            Optional<InputFormat> format = text(rule, "format").map(name -> format(rule, name))
                    .orElse(Optional.of(suffix.endsWith(".csv") ? InputFormat.CSV : InputFormat.JSONL));
            String outputPrefix = text(rule, "output-prefix").orElse("predictions").replaceAll("/+$", "");
            if (outputPrefix.isEmpty()) {
                rule.get("output-prefix").orElseThrow().problem("must not be empty (results must not land where "
                        + "inputs do)");
            }
            String prefix = text(rule, "prefix").orElse("");
            Optional<String> version = text(rule, "version");
            boolean header = rule.get("header").filter(value -> !value.isNull()).flatMap(ConfigValue::bool)
                    .orElse(false);
            Optional<String> idColumn = text(rule, "id-column");
            Optional<String> outputBucket = text(rule, "output-bucket");
            Optional<String> shardText = text(rule, "shard-size");
            Optional<ShardSize> shardSize = shardText.flatMap(ShardSize::parse);
            if (shardText.isPresent() && shardSize.isEmpty()) {
                rule.get("shard-size").orElseThrow().problem("\"" + shardText.get() + "\" is not a size: expected "
                        + "bytes such as 64MB or a number of rows such as 100000");
                return Optional.empty();
            }
            if (bucket.isEmpty() || model.isEmpty() || format.isEmpty() || outputPrefix.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new BatchRule(bucket.get(), prefix, suffix, model.get(), version, format.get(), header,
                    idColumn, outputBucket.orElse(bucket.get()), outputPrefix, shardSize));
        });
    }

    /** A setting as written, an empty text included; a number is taken as its text; left out or null is empty. */
    private static Optional<String> text(ConfigMapping rule, String key) {
        return rule.get(key).filter(value -> !value.isNull()).flatMap(value -> value.asText().or(value::text));
    }

    private static Optional<InputFormat> format(ConfigMapping rule, String name) {
        try {
            return Optional.of(InputFormat.valueOf(name.toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            rule.get("format").orElseThrow().problem("\"" + name + "\" is not csv or jsonl");
            return Optional.empty();
        }
    }
}
